package io.github.comfylite.workflow;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** A templates/ + configs/ pair in a temporary directory, filled from the fixtures in {@code resources/workflow}. */
final class Workspace {
  final Path templates;
  final Path configs;

  Workspace(Path root) {
    try {
      templates = Files.createDirectories(root.resolve("templates"));
      configs = Files.createDirectories(root.resolve("configs"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Installs workflow {@code name} from a template fixture and a config fixture. */
  Workspace add(String name, String templateFixture, String configFixture) {
    copy(templateFixture, templates.resolve(name + ".json"));
    copy(configFixture, configs.resolve(name + ".yaml"));
    return this;
  }

  /** Writes a config file with the given text. */
  Workspace config(String name, String yaml) {
    write(configs.resolve(name + ".yaml"), yaml);
    return this;
  }

  /** Writes a template file with the given text. */
  Workspace template(String name, String json) {
    write(templates.resolve(name + ".json"), json);
    return this;
  }

  /** A manager that checks the files on every call. */
  WorkflowManager manager() {
    return WorkflowManager.builder(templates, configs).reloadInterval(Duration.ZERO).build();
  }

  static String fixture(String name) {
    try (InputStream in = Workspace.class.getResourceAsStream("/workflow/" + name)) {
      if (in == null) {
        throw new IllegalArgumentException("no fixture " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void copy(String fixture, Path target) {
    write(target, fixture(fixture));
  }

  static void write(Path file, String text) {
    try {
      Files.writeString(file, text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
