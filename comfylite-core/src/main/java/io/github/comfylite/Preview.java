package io.github.comfylite;

import java.util.Objects;

/**
 * A live preview image ComfyUI sent while a prompt ran, such as a sampler step. Never part of a result.
 *
 * @param nodeId the node that sent it, or the empty string when ComfyUI did not say (legacy preview frames)
 * @param mimeType the MIME type read from the image's magic bytes
 * @param bytes the encoded image; the array is shared, do not change it
 */
public record Preview(String nodeId, String mimeType, byte[] bytes) {

  /**
   * Checks the components are present.
   *
   * @param nodeId the node that sent it, or the empty string when ComfyUI did not say (legacy preview frames)
   * @param mimeType the MIME type read from the image's magic bytes
   * @param bytes the encoded image; the array is shared, do not change it
   */
  public Preview {
    Objects.requireNonNull(nodeId, "nodeId");
    Objects.requireNonNull(mimeType, "mimeType");
    Objects.requireNonNull(bytes, "bytes");
  }

  @Override
  public String toString() {
    return "Preview{node " + nodeId + ", " + mimeType + ", " + bytes.length + " bytes}";
  }
}
