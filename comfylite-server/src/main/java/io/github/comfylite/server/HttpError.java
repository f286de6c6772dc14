package io.github.comfylite.server;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A request that ends in an HTTP error. Thrown anywhere below a handler; {@link Router} turns it into
 * {@code {"error": message, ...extra}} with its status and headers, in one place.
 */
final class HttpError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  final int status;
  final transient Map<String, Object> extra = new LinkedHashMap<>();
  final transient Map<String, String> headers = new LinkedHashMap<>();

  HttpError(int status, String message) {
    super(message, null, false, false);
    this.status = status;
  }

  static HttpError badRequest(String message) {
    return new HttpError(400, message);
  }

  static HttpError notFound(String message) {
    return new HttpError(404, message);
  }

  /** Adds a field to the JSON body next to {@code error}. */
  HttpError with(String field, Object value) {
    extra.put(field, value);
    return this;
  }

  /** Adds a response header. */
  HttpError header(String name, String value) {
    headers.put(name, value);
    return this;
  }
}
