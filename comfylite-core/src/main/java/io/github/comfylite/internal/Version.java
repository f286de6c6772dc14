package io.github.comfylite.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** ComfyLite's own version, as Maven stamped it into {@code version.properties} at build time. Not API. */
public final class Version {
  /** The version, for example {@code 0.1.0-SNAPSHOT}; {@code unknown} if the resource is missing. */
  public static final String VERSION = load();

  /** The {@code User-Agent} ComfyLite sends: {@code comfylite-java/<version>}. */
  public static final String USER_AGENT = "comfylite-java/" + VERSION;

  private Version() {}

  private static String load() {
    try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
      if (in == null) {
        return "unknown";
      }
      Properties properties = new Properties();
      properties.load(in);
      String version = properties.getProperty("version", "unknown");
      // An unfiltered copy (e.g. an IDE build that skips Maven resources) still holds the placeholder.
      return version.startsWith("${") ? "unknown" : version;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read ComfyLite's version.properties", e);
    }
  }
}
