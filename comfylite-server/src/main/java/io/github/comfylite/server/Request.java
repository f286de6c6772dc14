package io.github.comfylite.server;

import com.sun.net.httpserver.HttpExchange;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** One HTTP request as handlers see it: method, path parameters, headers and a size-limited body. */
final class Request {
  private final HttpExchange exchange;
  private final Map<String, String> pathParams;
  private final long maxBodyBytes;

  Request(HttpExchange exchange, Map<String, String> pathParams, long maxBodyBytes) {
    this.exchange = exchange;
    this.pathParams = pathParams;
    this.maxBodyBytes = maxBodyBytes;
  }

  String method() {
    return exchange.getRequestMethod();
  }

  /** A decoded path parameter, e.g. {@code name} of {@code /workflows/{name}}. */
  String pathParam(String name) {
    return pathParams.get(name);
  }

  Optional<String> header(String name) {
    return Optional.ofNullable(exchange.getRequestHeaders().getFirst(name));
  }

  /**
   * Checks the body is JSON. A missing {@code Content-Type} is accepted because the original program never checked it
   * and some of its clients do not send one.
   *
   * @throws HttpError 415 for any other media type
   */
  void requireJson() {
    Optional<String> contentType = header("Content-Type");
    if (contentType.isEmpty()) {
      return;
    }
    String mediaType = contentType.get().split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
    if (!mediaType.equals("application/json") && !mediaType.endsWith("+json")) {
      throw new HttpError(415, "Content-Type must be application/json, got '"
          + WorkflowNames.printable(contentType.get()) + "' (with curl, add -H 'Content-Type: application/json')")
          .header("Accept-Post", "application/json");
    }
  }

  /**
   * Reads the whole body.
   *
   * @throws HttpError 413 if it is larger than the configured limit
   * @throws IOException if the client breaks the connection
   */
  byte[] body() throws IOException {
    long declared = declaredLength();
    if (declared > maxBodyBytes) {
      throw tooLarge();
    }
    InputStream in = exchange.getRequestBody();
    ByteArrayOutputStream out = new ByteArrayOutputStream(declared > 0 ? (int) declared : 256);
    byte[] buffer = new byte[8192];
    long total = 0;
    int n;
    while ((n = in.read(buffer)) > 0) {
      total += n;
      if (total > maxBodyBytes) {
        throw tooLarge();
      }
      out.write(buffer, 0, n);
    }
    return out.toByteArray();
  }

  /** The Content-Length the client declared, or -1 when it sent none (chunked). */
  long declaredLength() {
    String value = exchange.getRequestHeaders().getFirst("Content-Length");
    if (value == null) {
      return -1;
    }
    try {
      return Long.parseLong(value.strip());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private HttpError tooLarge() {
    return new HttpError(413, "request body is larger than the limit of " + maxBodyBytes
        + " bytes (COMFYLITE_MAX_BODY_BYTES)");
  }
}
