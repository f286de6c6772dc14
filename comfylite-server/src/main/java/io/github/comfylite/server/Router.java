package io.github.comfylite.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The one {@link HttpHandler} of the server: matches the path to a {@link Route}, checks the bearer token, picks the
 * handler for the method, and turns every outcome, errors included, into a response. This is the single place where
 * exceptions become JSON error bodies: {@link HttpError} with its own status, anything else 500.
 */
final class Router implements HttpHandler {
  private static final System.Logger LOG = System.getLogger(Router.class.getName());
  /**
   * How much of an unread request body (a rejected upload) we read and discard before answering, so that a client
   * still sending sees our answer (a 413, say) instead of a reset connection. A body declared larger than this is
   * not read: we answer at once and the JDK server closes the connection.
   */
  private static final long DRAIN_LIMIT = 8L << 20;

  private final List<Route> routes;
  private final Optional<byte[]> apiKeyDigest;
  private final long maxBodyBytes;
  /** Exchanges being handled, so that close() can wait for them; guarded by {@code this}. */
  private int active;
  private boolean stopping;

  Router(List<Route> routes, Optional<String> apiKey, long maxBodyBytes) {
    this.routes = List.copyOf(routes);
    this.apiKeyDigest = apiKey.map(Router::sha256);
    this.maxBodyBytes = maxBodyBytes;
  }

  List<Route> routes() {
    return routes;
  }

  /**
   * Refuses new requests (503) and waits until those in progress are answered.
   *
   * @return whether all were answered within {@code timeoutMillis}
   */
  synchronized boolean stopAndAwaitIdle(long timeoutMillis) throws InterruptedException {
    stopping = true;
    long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
    while (active > 0) {
      long left = (deadline - System.nanoTime()) / 1_000_000;
      if (left <= 0) {
        return false;
      }
      wait(left);
    }
    return true;
  }

  private synchronized boolean enter() {
    if (stopping) {
      return false;
    }
    active++;
    return true;
  }

  private synchronized void exit() {
    if (--active == 0) {
      notifyAll();
    }
  }

  @Override
  public void handle(HttpExchange exchange) {
    if (!enter()) {
      try (exchange) {
        exchange.getResponseHeaders().set("Connection", "close");
        write(exchange, errorResponse(new HttpError(503, "the server is shutting down")));
      } catch (IOException e) {
        LOG.log(Level.DEBUG, () -> "client connection failed during shutdown: " + e);
      }
      return;
    }
    try {
      serve(exchange);
    } finally {
      exit();
    }
  }

  private void serve(HttpExchange exchange) {
    long start = System.nanoTime();
    int status = 0;
    try (exchange) {
      Response response;
      try {
        response = dispatch(exchange);
      } catch (HttpError e) {
        response = errorResponse(e);
      } catch (IOException e) {
        // The client went away while we read its body; nobody is left to answer.
        LOG.log(Level.DEBUG, () -> "client connection failed during " + describe(exchange) + ": " + e);
        return;
      } catch (Exception | LinkageError e) {
        LOG.log(Level.ERROR, "unexpected failure handling " + describe(exchange), e);
        response = errorResponse(new HttpError(500, "internal server error; the server log has the details"));
      }
      status = response.status;
      String declared = exchange.getRequestHeaders().getFirst("Content-Length");
      if (declared != null && declared.strip().length() > 0 && parseLength(declared) > DRAIN_LIMIT) {
        response.header("Connection", "close");
      } else {
        drainUnread(exchange);
      }
      write(exchange, response);
    } catch (IOException e) {
      LOG.log(Level.DEBUG, () -> "client connection failed while answering " + describe(exchange) + ": " + e);
    } finally {
      int logged = status;
      long micros = (System.nanoTime() - start) / 1000;
      LOG.log(Level.DEBUG, () -> describe(exchange) + " -> " + logged + " in " + micros + " µs");
    }
  }

  private Response dispatch(HttpExchange exchange) throws Exception {
    String method = exchange.getRequestMethod().toUpperCase(Locale.ROOT);
    List<String> segments = segments(exchange.getRequestURI().getRawPath());
    for (Route route : routes) {
      Optional<Map<String, String>> params = route.match(segments);
      if (params.isEmpty()) {
        continue;
      }
      if (!route.isOpen()) {
        authenticate(exchange);
      }
      Optional<Route.Handler> handler = route.handler(method);
      if (handler.isEmpty()) {
        String allow = String.join(", ", new TreeSet<>(route.methods()));
        throw new HttpError(405, "method " + WorkflowNames.printable(method) + " is not allowed on " + route.pattern()
            + "; allowed: " + allow).header("Allow", allow);
      }
      return handler.get().handle(new Request(exchange, params.get(), maxBodyBytes));
    }
    // Unknown paths need the key too, so that an unauthenticated client cannot map the API.
    authenticate(exchange);
    throw HttpError.notFound("no route " + WorkflowNames.printable(exchange.getRequestURI().getRawPath())
        + "; see GET /openapi.json for the API");
  }

  private void authenticate(HttpExchange exchange) {
    if (apiKeyDigest.isEmpty()) {
      return;
    }
    String header = exchange.getRequestHeaders().getFirst("Authorization");
    String problem;
    if (header == null) {
      problem = "missing Authorization header; send 'Authorization: Bearer <COMFYLITE_API_KEY>'";
    } else if (!header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      problem = "Authorization must use the Bearer scheme: 'Authorization: Bearer <COMFYLITE_API_KEY>'";
    } else if (!MessageDigest.isEqual(sha256(header.substring(7).strip()), apiKeyDigest.get())) {
      // Comparing digests keeps the comparison constant-time and independent of the key's length.
      problem = "invalid API key";
    } else {
      return;
    }
    throw new HttpError(401, problem).header("WWW-Authenticate", "Bearer realm=\"comfylite\"");
  }

  private static List<String> segments(String rawPath) {
    String path = rawPath == null || rawPath.isEmpty() ? "/" : rawPath;
    String[] raw = path.substring(1).split("/", -1);
    List<String> decoded = new ArrayList<>(raw.length);
    for (String segment : raw) {
      try {
        // Percent-decoding only: '+' is a literal plus in a path.
        decoded.add(URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8));
      } catch (IllegalArgumentException e) {
        throw HttpError.badRequest("malformed percent-encoding in path segment '"
            + WorkflowNames.printable(segment) + "'");
      }
    }
    return decoded;
  }

  static Response errorResponse(HttpError e) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("error", e.getMessage());
    body.putAll(e.extra);
    Response response = Response.json(e.status, body);
    e.headers.forEach(response::header);
    return response;
  }

  private static long parseLength(String value) {
    try {
      return Long.parseLong(value.strip());
    } catch (NumberFormatException e) {
      return Long.MAX_VALUE;
    }
  }

  private static void drainUnread(HttpExchange exchange) {
    try (InputStream in = exchange.getRequestBody()) {
      long skipped = 0;
      byte[] buffer = new byte[16384];
      int n;
      while (skipped < DRAIN_LIMIT && (n = in.read(buffer)) > 0) {
        skipped += n;
      }
    } catch (IOException e) {
      LOG.log(Level.DEBUG, () -> "could not drain request body: " + e);
    }
  }

  private static void write(HttpExchange exchange, Response response) throws IOException {
    var headers = exchange.getResponseHeaders();
    headers.set("Content-Type", response.contentType.equals("application/json")
        ? "application/json; charset=utf-8" : response.contentType);
    headers.set("X-Content-Type-Options", "nosniff");
    headers.set("Cache-Control", "no-store");
    response.headers.forEach(headers::set);
    if (response.writer != null) {
      exchange.sendResponseHeaders(response.status, 0);
      try (OutputStream out = exchange.getResponseBody()) {
        response.writer.writeTo(out);
      }
      return;
    }
    byte[] body = response.bytes != null ? response.bytes : ServerJson.MAPPER.writeValueAsBytes(response.json);
    exchange.sendResponseHeaders(response.status, body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  private static String describe(HttpExchange exchange) {
    // The raw path only: query strings may carry tokens.
    return exchange.getRequestMethod() + " " + exchange.getRequestURI().getRawPath();
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
