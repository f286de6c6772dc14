package io.github.comfylite.examples;

import io.github.comfylite.GenerationRequest;
import io.github.comfylite.testkit.FakeComfyUi;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Reads the examples' settings from environment variables, with defaults. A bad value fails with a message that names
 * the variable, the value and what is allowed. Closing it stops the embedded fake ComfyUI of {@code COMFYUI_URL=demo},
 * if one was started (its server threads would otherwise keep the JVM alive).
 */
final class ExampleEnv implements AutoCloseable {
  private final Map<String, String> env;
  private FakeComfyUi demo;

  ExampleEnv(Map<String, String> env) {
    this.env = Objects.requireNonNull(env, "env");
  }

  /** The variable's value, or {@code fallback} when it is unset or blank. */
  String string(String name, String fallback) {
    String value = env.get(name);
    return value == null || value.isBlank() ? fallback : value.strip();
  }

  /**
   * ComfyUI's base URL: {@code COMFYUI_URL}, default {@code http://127.0.0.1:8000} (ComfyUI Desktop). The value
   * {@code demo} starts an embedded fake ComfyUI (synthetic images, no GPU), as the server's {@code --demo} does.
   */
  URI comfyUrl() {
    String value = string("COMFYUI_URL", "http://127.0.0.1:8000");
    if (value.equals("demo")) {
      return demoUrl();
    }
    try {
      URI uri = URI.create(value);
      if (uri.getScheme() != null && uri.getHost() != null
          && (uri.getScheme().equals("http") || uri.getScheme().equals("https"))) {
        return uri;
      }
    } catch (IllegalArgumentException e) {
      // reported below
    }
    throw new IllegalArgumentException("COMFYUI_URL must be an http or https URL such as http://127.0.0.1:8188, got '"
        + value + "'");
  }

  /** The URL of the embedded fake ComfyUI, started on first use and stopped by {@link #close()}. */
  private synchronized URI demoUrl() {
    if (demo == null) {
      demo = FakeComfyUi.builder().executionTime(Duration.ofMillis(100)).livePreviews(true).build().start();
      System.err.println("COMFYUI_URL=demo: using an embedded fake ComfyUI at " + demo.url());
    }
    return demo.url();
  }

  /** {@code COMFYLITE_TEMPLATES_DIR}, default {@code fallback}. */
  Path templatesDir(String fallback) {
    return Path.of(string("COMFYLITE_TEMPLATES_DIR", fallback));
  }

  /** {@code COMFYLITE_CONFIGS_DIR}, default {@code fallback}. */
  Path configsDir(String fallback) {
    return Path.of(string("COMFYLITE_CONFIGS_DIR", fallback));
  }

  /**
   * The request the simple examples send: workflow {@code WORKFLOW} (default {@code smoke}, which needs no model), with
   * {@code PROMPT} as its {@code prompt} parameter when set (for workflows that have one, such as {@code starter}).
   */
  GenerationRequest.Builder request() {
    GenerationRequest.Builder request = GenerationRequest.builder(string("WORKFLOW", "smoke"));
    String prompt = string("PROMPT", null);
    if (prompt != null) {
      request.param("prompt", prompt);
    }
    return request;
  }

  /** {@code OUTPUT_DIR}, default {@code output}: where examples write the images they receive. */
  Path outputDir() {
    return Path.of(string("OUTPUT_DIR", "output"));
  }

  /** A whole number in [min, max]. */
  int integer(String name, int fallback, int min, int max) {
    String value = env.get(name);
    if (value == null || value.isBlank()) {
      return fallback;
    }
    try {
      int number = Integer.parseInt(value.strip());
      if (number >= min && number <= max) {
        return number;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(name + " must be a whole number from " + min + " to " + max + ", got '"
        + value + "'");
  }

  /** A number in [min, max]. */
  double number(String name, double fallback, double min, double max) {
    String value = env.get(name);
    if (value == null || value.isBlank()) {
      return fallback;
    }
    try {
      double number = Double.parseDouble(value.strip());
      if (number >= min && number <= max) {
        return number;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(name + " must be a number from " + min + " to " + max + ", got '" + value + "'");
  }

  /** A duration in whole seconds, at least 1. */
  Duration seconds(String name, int fallbackSeconds) {
    return Duration.ofSeconds(integer(name, fallbackSeconds, 1, 86_400));
  }

  /** Stops the embedded fake ComfyUI, if {@code COMFYUI_URL=demo} started one. */
  @Override
  public synchronized void close() {
    if (demo != null) {
      demo.close();
      demo = null;
    }
  }
}
