package io.github.comfylite.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.comfylite.server.ComfyLiteServer;
import io.github.comfylite.server.ServerConfig;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/**
 * Runs the ComfyLite HTTP server inside your own application, then calls it as a client would: {@code POST
 * /generate}, then {@code GET /prompts/{id}} until the prompt has finished.
 *
 * <pre>{@code
 * ServerConfig config = ServerConfig.fromEnv(Map.of(
 *     "COMFYLITE_ADDRESS", "127.0.0.1:0",                 // port 0: any free port
 *     "COMFYUI_ADDRESS", "http://127.0.0.1:8188"));
 * try (ComfyLiteServer server = ComfyLiteServer.builder().config(config).buildAndStart()) {
 *   URI generate = server.url().resolve("generate");      // http://127.0.0.1:PORT/generate
 * }
 * }</pre>
 *
 * <p>The server takes the same settings as the standalone one, as a map rather than from the process environment, so
 * your application decides what it exposes. It owns the {@code ComfyLite} facade it creates and closes it with
 * {@link ComfyLiteServer#close()}. Polling {@code GET /prompts/{id}} suits clients that cannot receive webhooks; see
 * {@link WebhookExample} for the push side.
 *
 * <p>Environment variables (all optional): {@code COMFYUI_URL} (default {@code http://127.0.0.1:8000}),
 * {@code COMFYLITE_TEMPLATES_DIR} / {@code COMFYLITE_CONFIGS_DIR} (default {@code templates} / {@code configs}),
 * {@code TIMEOUT_SECONDS} (default 300).
 *
 * <p>It prints {@code server listening on URL}, the {@code POST /generate} status and body
 * ({@code {"prompt_id":"…", …}}), then {@code prompt ID: succeeded with N image(s) [image/png]} (or the failure's
 * kind and message).
 */
public final class EmbeddedServerExample {
  private static final ObjectMapper JSON = new ObjectMapper();

  private EmbeddedServerExample() {}

  /**
   * Runs the example with the process environment, printing to standard output.
   *
   * @param args ignored; configure with environment variables
   * @throws Exception if the server cannot start, a request fails, or the prompt does not finish in time
   */
  public static void main(String[] args) throws Exception {
    run(System.getenv(), System.out);
  }

  static void run(Map<String, String> environment, PrintStream out) throws Exception {
    try (ExampleEnv env = new ExampleEnv(environment)) {
      Duration timeout = env.seconds("TIMEOUT_SECONDS", 300);

      ServerConfig config = ServerConfig.fromEnv(Map.of(
          "COMFYLITE_ADDRESS", "127.0.0.1:0",
          "COMFYUI_ADDRESS", env.comfyUrl().toString(),
          "COMFYLITE_TEMPLATES_DIR", env.templatesDir("templates").toString(),
          "COMFYLITE_CONFIGS_DIR", env.configsDir("configs").toString(),
          "COMFYLITE_DEFAULT_WORKFLOW", "smoke"));

      try (ComfyLiteServer server = ComfyLiteServer.builder().config(config).buildAndStart()) {
        URI base = server.url();
        out.println("server listening on " + base);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

        // The original's request body works unchanged; "workflow" and "params" are the additions.
        String body = "{\"workflow\": \"smoke\", \"width\": 64, \"height\": 64, \"params\": {\"color\": 16711680}}";
        HttpResponse<String> submitted = http.send(
            HttpRequest.newBuilder(base.resolve("generate"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
        out.println("POST /generate -> " + submitted.statusCode() + " " + submitted.body());
        if (submitted.statusCode() != 200) {
          throw new IllegalStateException("the server refused the request: " + submitted.body());
        }
        String promptId = JSON.readTree(submitted.body()).path("prompt_id").asText();

        JsonNode status = poll(http, base.resolve("prompts/" + promptId), timeout);
        if ("succeeded".equals(status.path("status").asText())) {
          out.println("prompt " + promptId + ": succeeded with " + status.path("images").size() + " image(s) "
              + status.path("mime_types"));
        } else {
          out.println("prompt " + promptId + ": failed (" + status.path("kind").asText() + "): "
              + status.path("error").asText());
        }
      }
    }
  }

  /** Asks for the prompt's status every 200 ms until it is {@code succeeded} or {@code failed}. */
  private static JsonNode poll(HttpClient http, URI uri, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      JsonNode status = JSON.readTree(response.body());
      String state = status.path("status").asText();
      if (state.equals("succeeded") || state.equals("failed")) {
        return status;
      }
      if (response.statusCode() != 200 || System.nanoTime() > deadline) {
        throw new IllegalStateException("GET " + uri.getPath() + " -> " + response.statusCode() + " "
            + response.body());
      }
      Thread.sleep(200); // a real client would rather receive a webhook (see WebhookExample)
    }
  }
}
