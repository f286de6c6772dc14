package io.github.comfylite.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.github.comfylite.ComfyLite;
import io.github.comfylite.GenerationRequest;
import io.github.comfylite.result.GenerationResult;
import io.github.comfylite.result.WebhookSender;
import io.github.comfylite.result.WebhookSignature;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Delivers a prompt's outcome to a webhook, signed the Standard Webhooks way, and checks the signature on the
 * receiving side.
 *
 * <p>The sending side is a {@link WebhookSender} with a secret, attached to a request as a sink:
 * <pre>{@code
 * try (WebhookSender webhooks = WebhookSender.builder().secret(secret).build();
 *      ComfyLite comfy = ComfyLite.builder().build()) {
 *   comfy.generate(GenerationRequest.builder("smoke")
 *       .addSink(webhooks.sink(URI.create("https://example.com/hooks/comfy")))
 *       .build());
 * }
 * }</pre>
 * The receiving side ({@link Receiver}, a minimal server on the JDK's {@code com.sun.net.httpserver}) reads the
 * body exactly as received and checks it with {@link WebhookSignature#verify}; it answers 204 when the signature
 * matches and 401 otherwise. To show that a forged delivery is refused, the example also posts the same body with a
 * wrong signature.
 *
 * <p>Environment variables (all optional): {@code COMFYUI_URL} (default {@code http://127.0.0.1:8000}),
 * {@code COMFYLITE_TEMPLATES_DIR} / {@code COMFYLITE_CONFIGS_DIR} (default {@code templates} / {@code configs}),
 * {@code WORKFLOW} (default {@code smoke}), {@code WEBHOOK_SECRET} (default: a random {@code whsec_} secret),
 * {@code TIMEOUT_SECONDS} (default 300).
 *
 * <p>It prints {@code receiver listening on URL}, then for the real delivery {@code webhook ID: signature verified}
 * and a payload summary ({@code status=success prompt_id=… images=N mime_types=[…]}), and for the forged one
 * {@code webhook ID: signature INVALID, answered 401}.
 */
public final class WebhookExample {
  private static final ObjectMapper JSON = new ObjectMapper();

  private WebhookExample() {}

  /**
   * Runs the example with the process environment, printing to standard output.
   *
   * @param args ignored; configure with environment variables
   * @throws Exception if the prompt fails, or no delivery arrives within the timeout
   */
  public static void main(String[] args) throws Exception {
    run(System.getenv(), System.out);
  }

  static void run(Map<String, String> environment, PrintStream out) throws Exception {
    try (ExampleEnv env = new ExampleEnv(environment)) {
      String secret = env.string("WEBHOOK_SECRET", randomSecret());
      String workflow = env.string("WORKFLOW", "smoke");
      long timeoutSeconds = env.seconds("TIMEOUT_SECONDS", 300).toSeconds();

      try (Receiver receiver = Receiver.start(secret, out);
          WebhookSender webhooks = WebhookSender.builder().secret(secret).build();
          ComfyLite comfy = ComfyLite.builder()
              .comfyUrl(env.comfyUrl())
              .workflowDirectories(env.templatesDir("templates"), env.configsDir("configs"))
              .build()) {
        out.println("receiver listening on " + receiver.url());

        GenerationResult result = comfy.generate(GenerationRequest.builder(workflow)
                .addSink(webhooks.sink(receiver.url()))
                .build())
            .get(timeoutSeconds, TimeUnit.SECONDS);
        out.println("prompt " + result.promptId() + " finished with " + result.images().size() + " image(s)");

        // The webhook is delivered on the sender's own threads, independently of the future: wait for it.
        Delivery delivery = receiver.deliveries.poll(timeoutSeconds, TimeUnit.SECONDS);
        if (delivery == null || !delivery.verified) {
          throw new IllegalStateException("no verified webhook delivery arrived within " + timeoutSeconds + " s");
        }

        // A forged delivery: the same body, signed with another secret. The receiver must refuse it.
        String forged = WebhookSignature.sign(randomSecret(), "msg_forged", Instant.now().getEpochSecond(),
            delivery.body);
        HttpResponse<Void> response = HttpClient.newHttpClient().send(
            HttpRequest.newBuilder(receiver.url())
                .header("Content-Type", "application/json")
                .header("webhook-id", "msg_forged")
                .header("webhook-timestamp", Long.toString(Instant.now().getEpochSecond()))
                .header("webhook-signature", forged)
                .POST(HttpRequest.BodyPublishers.ofByteArray(delivery.body))
                .build(),
            HttpResponse.BodyHandlers.discarding());
        out.println("forged delivery answered " + response.statusCode());
      }
    }
  }

  /** A random secret in the usual {@code whsec_<base64>} form. */
  private static String randomSecret() {
    byte[] key = new byte[24];
    new SecureRandom().nextBytes(key);
    return "whsec_" + Base64.getEncoder().encodeToString(key);
  }

  /** One request the receiver got: its body and whether its signature matched. */
  private record Delivery(byte[] body, boolean verified) {}

  /**
   * A minimal webhook receiver: answers 204 to a POST whose Standard Webhooks signature matches the secret, and 401
   * to anything else. In your application this is one route of your own HTTP server.
   */
  static final class Receiver implements AutoCloseable {
    private final HttpServer server;
    private final String secret;
    private final PrintStream out;
    final BlockingQueue<Delivery> deliveries = new LinkedBlockingQueue<>();

    private Receiver(HttpServer server, String secret, PrintStream out) {
      this.server = server;
      this.secret = secret;
      this.out = out;
    }

    /** Starts a receiver on a free loopback port. */
    static Receiver start(String secret, PrintStream out) throws IOException {
      HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      Receiver receiver = new Receiver(server, secret, out);
      server.createContext("/webhook", receiver::handle);
      server.start();
      return receiver;
    }

    URI url() {
      return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/webhook");
    }

    private void handle(HttpExchange exchange) throws IOException {
      try (exchange; InputStream in = exchange.getRequestBody()) {
        // Verify the body exactly as received: parsing and re-serializing the JSON would change the bytes.
        byte[] body = in.readAllBytes();
        String id = exchange.getRequestHeaders().getFirst("webhook-id");
        boolean verified = "POST".equals(exchange.getRequestMethod()) && WebhookSignature.verify(secret, id,
            exchange.getRequestHeaders().getFirst("webhook-timestamp"), body,
            exchange.getRequestHeaders().getFirst("webhook-signature"), Duration.ofMinutes(5));
        if (verified) {
          out.println("webhook " + id + ": signature verified");
          out.println("payload: " + summarize(JSON.readTree(body)));
          exchange.sendResponseHeaders(204, -1);
        } else {
          out.println("webhook " + id + ": signature INVALID, answered 401");
          exchange.sendResponseHeaders(401, -1);
        }
        deliveries.add(new Delivery(body, verified));
      }
    }

    /** The payload without the base64 images: status, prompt id, image count and types, or the error. */
    private static String summarize(JsonNode payload) {
      StringBuilder summary = new StringBuilder()
          .append("status=").append(payload.path("status").asText())
          .append(" prompt_id=").append(payload.path("prompt_id").asText());
      if ("success".equals(payload.path("status").asText())) {
        List<String> types = new ArrayList<>();
        payload.path("mime_types").forEach(type -> types.add(type.asText()));
        summary.append(" images=").append(payload.path("images").size()).append(" mime_types=").append(types);
      } else {
        summary.append(" kind=").append(payload.path("kind").asText())
            .append(" error=").append(payload.path("error").asText());
      }
      return summary.toString();
    }

    @Override
    public void close() {
      server.stop(0);
    }
  }
}
