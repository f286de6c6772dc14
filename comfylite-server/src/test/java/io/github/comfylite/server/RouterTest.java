package io.github.comfylite.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The router's plumbing, with test routes, spoken to as raw HTTP/1.1 so that nothing is normalised on the way. */
class RouterTest {
  private HttpServer http;

  @BeforeEach
  void start() throws IOException {
    Router router = new Router(List.of(
        Route.of("/echo/{name}").get(request -> Response.json(200, Map.of("name", request.pathParam("name")))).build(),
        Route.of("/boom").get(request -> {
          throw new IllegalStateException("secret internal detail");
        }).build(),
        Route.of("/body").post(request -> Response.json(200, Map.of("bytes", request.body().length))).build()),
        Optional.empty(), 1024);
    http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    http.createContext("/", router);
    http.start();
  }

  @AfterEach
  void stop() {
    http.stop(0);
  }

  @Test
  void decodesPathParametersButKeepsPlusLiteral() throws IOException {
    assertThat(raw("GET /echo/a%20b+c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
        .startsWith("HTTP/1.1 200").contains("{\"name\":\"a b+c\"}");
  }

  @Test
  void malformedPercentEncodingIs400() throws IOException {
    // The JDK server rejects the request line itself (text/html), before any handler; the server keeps serving.
    assertThat(raw("GET /echo/%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")).startsWith("HTTP/1.1 400");
    assertThat(raw("GET /echo/ok HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")).startsWith("HTTP/1.1 200");
  }

  @Test
  void unexpectedExceptionIs500WithoutItsMessage() throws IOException {
    assertThat(raw("GET /boom HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
        .startsWith("HTTP/1.1 500").contains("internal server error").doesNotContain("secret internal detail");
  }

  @Test
  void chunkedBodyOverTheLimitIs413() throws IOException {
    String chunk = "x".repeat(800);
    String request = "POST /body HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        + Integer.toHexString(chunk.length()) + "\r\n" + chunk + "\r\n"
        + Integer.toHexString(chunk.length()) + "\r\n" + chunk + "\r\n0\r\n\r\n";
    assertThat(raw(request)).startsWith("HTTP/1.1 413").contains("larger than the limit of 1024 bytes");
  }

  @Test
  void declaredLengthOverTheLimitIs413WithoutReadingTheBody() throws IOException {
    assertThat(firstResponse("POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 500000000\r\n\r\n{"))
        .startsWith("HTTP/1.1 413").contains("Connection: close").contains("larger than the limit");
  }

  @Test
  void headIsNotAllowedAndSaysWhatIs() throws IOException {
    assertThat(raw("HEAD /echo/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
        .startsWith("HTTP/1.1 405").contains("Allow: GET");
  }

  @Test
  void keepsServingOnAKeptAliveConnectionAfterAnError() throws IOException {
    String twice = "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n" + "GET /echo/ok HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    String answer = raw(twice);
    assertThat(answer).startsWith("HTTP/1.1 404").contains("HTTP/1.1 200").contains("{\"name\":\"ok\"}");
  }

  /** Sends {@code request} and reads one response (by its Content-Length), without waiting for the socket to close. */
  private String firstResponse(String request) throws IOException {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), http.getAddress().getPort())) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      InputStream in = socket.getInputStream();
      StringBuilder head = new StringBuilder();
      while (!head.toString().endsWith("\r\n\r\n")) {
        head.append((char) in.read());
      }
      int length = Integer.parseInt(head.toString().replaceAll("(?s).*Content-length: (\\d+).*", "$1").strip());
      return head + new String(in.readNBytes(length), StandardCharsets.ISO_8859_1);
    }
  }

  private String raw(String request) throws IOException {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), http.getAddress().getPort())) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = socket.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }
}
