package io.github.comfylite.server;

import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The shipped workflows ({@code templates/} and {@code configs/} of the repository), bundled in the server jar so that
 * {@code java -jar comfylite-server.jar} works from any directory. The workflow manager reads directories, so they are
 * copied to a temporary directory, deleted when the JVM exits.
 */
final class BundledWorkflows {
  private static final System.Logger LOG = System.getLogger(BundledWorkflows.class.getName());
  static final String ROOT = "workflows";

  private BundledWorkflows() {}

  /**
   * Copies the bundled workflows to a new temporary directory holding {@code templates/} and {@code configs/}.
   *
   * @return the directory, or empty when the jar bundles no workflows
   */
  static Optional<Path> extract() throws IOException {
    URL templates = BundledWorkflows.class.getResource(ROOT + "/templates");
    URL configs = BundledWorkflows.class.getResource(ROOT + "/configs");
    if (templates == null || configs == null) {
      return Optional.empty();
    }
    Path target = Files.createTempDirectory("comfylite-workflows-");
    copy(templates, target.resolve("templates"));
    copy(configs, target.resolve("configs"));
    deleteOnExit(target);
    return Optional.of(target);
  }

  private static void copy(URL source, Path target) throws IOException {
    Files.createDirectories(target);
    URI uri;
    try {
      uri = source.toURI();
    } catch (URISyntaxException e) {
      throw new IOException("bad resource URL " + source, e);
    }
    if (uri.getScheme().equals("jar")) {
      FileSystem fs;
      boolean opened = false;
      try {
        fs = FileSystems.newFileSystem(uri, Map.of());
        opened = true;
      } catch (FileSystemAlreadyExistsException e) {
        fs = FileSystems.getFileSystem(uri);
      }
      try {
        copyTree(fs.provider().getPath(uri), target);
      } finally {
        if (opened) {
          fs.close();
        }
      }
    } else {
      copyTree(Path.of(uri), target);
    }
  }

  private static void copyTree(Path from, Path to) throws IOException {
    List<Path> files;
    try (Stream<Path> list = Files.list(from)) {
      files = list.filter(Files::isRegularFile).toList();
    }
    for (Path file : files) {
      try (InputStream in = Files.newInputStream(file)) {
        Files.copy(in, to.resolve(file.getFileName().toString()), StandardCopyOption.REPLACE_EXISTING);
      }
    }
  }

  private static void deleteOnExit(Path root) {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try (Stream<Path> walk = Files.walk(root)) {
        walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException e) {
        LOG.log(Level.DEBUG, () -> "could not delete " + root + ": " + e);
      }
    }, "comfylite-workflows-cleanup"));
  }
}
