package io.github.comfylite.server;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One path of the API with its handler per method, e.g. {@code /prompts/{id}} with GET and DELETE. A pattern's
 * segments are literals or {@code {name}} placeholders matching exactly one non-empty segment.
 */
final class Route {
  /** Handles one method of one route. */
  @FunctionalInterface
  interface Handler {
    Response handle(Request request) throws Exception;
  }

  private final String pattern;
  private final String[] segments;
  private final Map<String, Handler> handlers;
  private final boolean open;

  private Route(String pattern, Map<String, Handler> handlers, boolean open) {
    this.pattern = pattern;
    this.segments = pattern.substring(1).split("/", -1);
    this.handlers = Map.copyOf(handlers);
    this.open = open;
  }

  /** A route that requires the API key when one is configured. */
  static Builder of(String pattern) {
    return new Builder(pattern, false);
  }

  /** A route that never requires the API key (health and readiness probes). */
  static Builder open(String pattern) {
    return new Builder(pattern, true);
  }

  String pattern() {
    return pattern;
  }

  Set<String> methods() {
    return handlers.keySet();
  }

  boolean isOpen() {
    return open;
  }

  Optional<Handler> handler(String method) {
    return Optional.ofNullable(handlers.get(method));
  }

  /** The path parameters if {@code pathSegments} (already decoded) match this route. */
  Optional<Map<String, String>> match(List<String> pathSegments) {
    if (pathSegments.size() != segments.length) {
      return Optional.empty();
    }
    Map<String, String> params = new LinkedHashMap<>();
    for (int i = 0; i < segments.length; i++) {
      String expected = segments[i];
      String actual = pathSegments.get(i);
      if (expected.startsWith("{")) {
        if (actual.isEmpty()) {
          return Optional.empty();
        }
        params.put(expected.substring(1, expected.length() - 1), actual);
      } else if (!expected.equals(actual)) {
        return Optional.empty();
      }
    }
    return Optional.of(params);
  }

  static final class Builder {
    private final String pattern;
    private final boolean open;
    private final Map<String, Handler> handlers = new LinkedHashMap<>();

    private Builder(String pattern, boolean open) {
      this.pattern = pattern;
      this.open = open;
    }

    Builder get(Handler handler) {
      handlers.put("GET", handler);
      return this;
    }

    Builder post(Handler handler) {
      handlers.put("POST", handler);
      return this;
    }

    Builder delete(Handler handler) {
      handlers.put("DELETE", handler);
      return this;
    }

    Route build() {
      return new Route(pattern, handlers, open);
    }
  }
}
