package io.github.comfylite.examples;

import io.github.comfylite.result.GeneratedImage;
import io.github.comfylite.result.GenerationResult;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Writes result images to a directory, for the examples that keep what they receive. */
final class ExampleFiles {
  private ExampleFiles() {}

  /**
   * Writes every image of {@code result} to {@code directory} as {@code PROMPTID-N.EXT} and returns the paths, in
   * result order. The directory is created if needed.
   */
  static List<Path> writeImages(GenerationResult result, Path directory) throws IOException {
    Files.createDirectories(directory);
    List<Path> written = new ArrayList<>();
    for (int i = 0; i < result.images().size(); i++) {
      GeneratedImage image = result.images().get(i);
      Path file = directory.resolve(result.promptId() + "-" + (i + 1) + extension(image.mimeType()));
      try (OutputStream out = Files.newOutputStream(file)) {
        image.writeTo(out); // streams the bytes ComfyLite holds; no copy
      }
      written.add(file.toAbsolutePath());
    }
    return written;
  }

  /** The usual file extension for a MIME type, {@code .bin} when unknown. */
  static String extension(String mimeType) {
    switch (mimeType) {
      case "image/png":
        return ".png";
      case "image/jpeg":
        return ".jpg";
      case "image/webp":
        return ".webp";
      case "image/gif":
        return ".gif";
      default:
        return ".bin";
    }
  }
}
