package io.github.comfylite.client;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What a ComfyUI server supports, probed from {@code GET /features} and {@code GET /system_stats} (protocol §15).
 *
 * @param version {@code system.comfyui_version}, e.g. {@code "0.3.64"}; empty on servers before 2024-08-30
 * @param supportsFeatureFlags {@code /features} answered (v0.3.45+): the socket handshake, {@code progress_state} and
 *     binary event 4 exist
 * @param supportsPreviewMetadata the server sends event-4 previews with metadata to clients that ask
 * @param supportsClientPromptId the server uses the {@code prompt_id} we send (v0.3.45+)
 * @param supportsTargetedInterrupt {@code POST /interrupt {"prompt_id"}} interrupts only that prompt (v0.3.57+);
 *     false when the version is unknown, because older servers interrupt <em>whatever</em> runs
 * @param maxUploadSize the request body limit in bytes ({@code max_upload_size}), when the server reports it
 */
public record ServerInfo(Optional<String> version, boolean supportsFeatureFlags, boolean supportsPreviewMetadata,
    boolean supportsClientPromptId, boolean supportsTargetedInterrupt, OptionalLong maxUploadSize) {

  /**
   * Checks components.
   *
   * @param version {@code system.comfyui_version}, e.g. {@code "0.3.64"}; empty on servers before 2024-08-30
   * @param supportsFeatureFlags {@code /features} answered (v0.3.45+): the socket handshake, {@code progress_state} and
   *     binary event 4 exist
   * @param supportsPreviewMetadata the server sends event-4 previews with metadata to clients that ask
   * @param supportsClientPromptId the server uses the {@code prompt_id} we send (v0.3.45+)
   * @param supportsTargetedInterrupt {@code POST /interrupt {"prompt_id"}} interrupts only that prompt (v0.3.57+);
   *     false when the version is unknown, because older servers interrupt <em>whatever</em> runs
   * @param maxUploadSize the request body limit in bytes ({@code max_upload_size}), when the server reports it
   */
  public ServerInfo {
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(maxUploadSize, "maxUploadSize");
  }

  /**
   * Whether {@code version} is at least {@code major.minor.patch}. Tolerates a leading {@code v} and suffixes such as
   * {@code -rc1}; false for an unparsable or unknown version.
   *
   * @param major the major version
   * @param minor the minor version
   * @param patch the patch version
   * @return true if the known version is at least that
   */
  public boolean isAtLeast(int major, int minor, int patch) {
    return version.map(v -> compare(v, major, minor, patch) >= 0).orElse(false);
  }

  static int compare(String version, int major, int minor, int patch) {
    String v = version.strip();
    if (v.startsWith("v") || v.startsWith("V")) {
      v = v.substring(1);
    }
    String[] parts = v.split("\\.", 4);
    int[] want = {major, minor, patch};
    for (int i = 0; i < 3; i++) {
      long have = i < parts.length ? leadingNumber(parts[i]) : 0;
      if (have < 0) {
        return -1; // unparsable: treat as old, the safe side for every feature we check
      }
      if (have != want[i]) {
        return have < want[i] ? -1 : 1;
      }
    }
    return 0;
  }

  private static long leadingNumber(String part) {
    int end = 0;
    while (end < part.length() && end < 9 && Character.isDigit(part.charAt(end))) {
      end++;
    }
    return end == 0 ? -1 : Long.parseLong(part.substring(0, end));
  }
}
