package io.github.comfylite.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.comfylite.testkit.FakeComfyUi;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;

/**
 * A running server for end-to-end tests over real loopback HTTP: a {@link FakeComfyUi} as ComfyUI, a
 * {@link MockWebServer} as webhook receiver (answers 200 to everything), and a {@link ComfyLiteServer} on port 0
 * configured from {@code env} over test defaults. Close it after the test.
 */
final class Harness implements AutoCloseable {
  static final Path ROOT = Path.of(System.getProperty("comfylite.root", "..")).toAbsolutePath().normalize();
  static final Path SEED = ROOT.resolve("../shared/seed").normalize();

  /** The fake ComfyUI; may be a placeholder that was never started (see {@link #startWithoutComfy}). */
  final FakeComfyUi fake;
  final MockWebServer webhooks;
  final ComfyLiteServer server;
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private String token;

  private Harness(FakeComfyUi fake, MockWebServer webhooks, ComfyLiteServer server) {
    this.fake = fake;
    this.webhooks = webhooks;
    this.server = server;
  }

  /** The shipped workflows of the repository, a fake with no execution time. */
  static Harness start(Map<String, String> env) throws IOException {
    return start(FakeComfyUi.builder().build(), env);
  }

  static Harness start(FakeComfyUi unstarted, Map<String, String> env) throws IOException {
    FakeComfyUi fake = unstarted.start();
    MockWebServer webhooks = new MockWebServer();
    webhooks.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        return new MockResponse.Builder().code(200).build();
      }
    });
    try {
      webhooks.start(0);
      Map<String, String> all = new LinkedHashMap<>();
      all.put("COMFYLITE_ADDRESS", "127.0.0.1:0");
      all.put("COMFYUI_ADDRESS", fake.url().toString());
      all.put("COMFYLITE_TEMPLATES_DIR", ROOT.resolve("templates").toString());
      all.put("COMFYLITE_CONFIGS_DIR", ROOT.resolve("configs").toString());
      all.putAll(env);
      ComfyLiteServer server = ComfyLiteServer.builder().config(ServerConfig.fromEnv(all)).buildAndStart();
      return new Harness(fake, webhooks, server);
    } catch (IOException | RuntimeException e) {
      webhooks.close();
      fake.close();
      throw e;
    }
  }

  /**
   * A server pointed at {@code comfyUrl}, where nothing listens yet; {@link #fake} is an unstarted placeholder.
   */
  static Harness startWithoutComfy(URI comfyUrl) throws IOException {
    MockWebServer webhooks = new MockWebServer();
    webhooks.start(0);
    Map<String, String> all = new LinkedHashMap<>();
    all.put("COMFYLITE_ADDRESS", "127.0.0.1:0");
    all.put("COMFYUI_ADDRESS", comfyUrl.toString());
    all.put("COMFYLITE_TEMPLATES_DIR", ROOT.resolve("templates").toString());
    all.put("COMFYLITE_CONFIGS_DIR", ROOT.resolve("configs").toString());
    ComfyLiteServer server = ComfyLiteServer.builder().config(ServerConfig.fromEnv(all)).buildAndStart();
    return new Harness(FakeComfyUi.builder().build(), webhooks, server);
  }

  /** Sends {@code Authorization: Bearer token} from now on. */
  Harness token(String token) {
    this.token = token;
    return this;
  }

  String webhookUrl() {
    return webhooks.url("/hook").toString();
  }

  Reply get(String path) {
    return send(request(path).GET().build());
  }

  Reply delete(String path) {
    return send(request(path).DELETE().build());
  }

  Reply post(String path, String json) {
    return post(path, json, "application/json");
  }

  Reply post(String path, String body, String contentType) {
    HttpRequest.Builder b = request(path).POST(HttpRequest.BodyPublishers.ofString(body));
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    return send(b.build());
  }

  Reply send(String method, String path, HttpRequest.BodyPublisher body) {
    return send(request(path).method(method, body).build());
  }

  HttpRequest.Builder request(String path) {
    HttpRequest.Builder b = HttpRequest.newBuilder(server.url().resolve(path)).timeout(Duration.ofSeconds(20));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return b;
  }

  Reply send(HttpRequest request) {
    try {
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      return new Reply(response);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The next webhook delivery, waiting at most 10 seconds. */
  JsonNode takeWebhook() throws InterruptedException {
    RecordedRequest request = webhooks.takeRequest(10, TimeUnit.SECONDS);
    assertThat(request).as("a webhook delivery within 10 s").isNotNull();
    try {
      return ServerJson.MAPPER.readTree(request.getBody().toByteArray());
    } catch (IOException e) {
      throw new AssertionError("webhook body is not JSON", e);
    }
  }

  RecordedRequest takeWebhookRequest() throws InterruptedException {
    RecordedRequest request = webhooks.takeRequest(10, TimeUnit.SECONDS);
    assertThat(request).as("a webhook delivery within 10 s").isNotNull();
    return request;
  }

  /** Polls {@code GET /prompts/{id}} until it reports {@code status}; fails after 10 s. */
  Reply awaitPromptStatus(String promptId, String status) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    Reply last;
    do {
      last = get("/prompts/" + promptId);
      if (last.status() == 200 && status.equals(last.json().path("status").asText())) {
        return last;
      }
      Thread.onSpinWait();
    } while (System.nanoTime() < deadline);
    throw new AssertionError("prompt " + promptId + " did not reach " + status + "; last: " + last);
  }

  @Override
  public void close() {
    server.close();
    webhooks.close();
    fake.close();
  }

  /** Width and height of a PNG, from its IHDR chunk. */
  static int[] pngSize(byte[] png) {
    assertThat(png).startsWith(0x89, 'P', 'N', 'G');
    ByteBuffer b = ByteBuffer.wrap(png);
    return new int[] {b.getInt(16), b.getInt(20)};
  }

  static byte[] base64(JsonNode text) {
    return Base64.getDecoder().decode(text.asText());
  }

  static URI uri(String s) {
    return URI.create(s);
  }

  /** One HTTP answer. */
  record Reply(int status, java.net.http.HttpHeaders headers, String body) {
    Reply(HttpResponse<String> response) {
      this(response.statusCode(), response.headers(), response.body());
    }

    JsonNode json() {
      try {
        return ServerJson.MAPPER.readTree(body);
      } catch (IOException e) {
        throw new AssertionError("not JSON: " + body, e);
      }
    }

    String error() {
      return json().path("error").asText();
    }

    @Override
    public String toString() {
      return status + " " + (body.length() > 300 ? body.substring(0, 300) + "…" : body);
    }
  }
}
