package io.github.comfylite.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.comfylite.testkit.FakeComfyUi;
import io.github.comfylite.testkit.ReceivedPrompt;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.Test;

/** The whole flow over real HTTP: client → server → fake ComfyUI → webhook receiver. */
class ServerEndToEndTest {
  /** The request body of the original README, verbatim except for the webhook URL. */
  static final String ORIGINAL_REQUEST = "{\n"
      + "    \"prompt\": \"A futuristic city at sunset, highly detailed, cyberpunk style\",\n"
      + "    \"image_count\": 1,\n"
      + "    \"width\": 450,\n"
      + "    \"height\": 450,\n"
      + "    \"webhook_url\": \"%s\"\n"
      + "}";

  @Test
  void originalRequestWithOriginalWorkflowsDeliversTheOriginalWebhookPayload() throws Exception {
    try (Harness h = Harness.start(Map.of(
        "COMFYLITE_TEMPLATES_DIR", Harness.SEED.resolve("original-templates").toString(),
        "COMFYLITE_CONFIGS_DIR", Harness.SEED.resolve("original-configs").toString()))) {
      Harness.Reply reply = h.post("/generate", String.format(ORIGINAL_REQUEST, h.webhookUrl()));

      assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
      String promptId = reply.json().get("prompt_id").asText();
      assertThat(promptId).isNotBlank();
      assertThat(reply.json().get("workflow").asText()).isEqualTo("starter");

      JsonNode webhook = h.takeWebhook();
      assertThat(webhook.get("status").asText()).isEqualTo("success");
      assertThat(webhook.get("prompt_id").asText()).isEqualTo(promptId);
      assertThat(webhook.get("images")).hasSize(1);
      int[] size = Harness.pngSize(Harness.base64(webhook.get("images").get(0)));
      assertThat(size).containsExactly(450, 450);

      // The graph ComfyUI received: the original's mapping, width and height each in their own place.
      ReceivedPrompt sent = h.fake.receivedPrompts().get(0);
      JsonNode latent = sent.graph().get("5").get("inputs");
      assertThat(latent.get("width").asInt()).isEqualTo(450);
      assertThat(latent.get("height").asInt()).isEqualTo(450);
      assertThat(latent.get("batch_size").asInt()).isEqualTo(1);
      assertThat(sent.graph().get("6").get("inputs").get("text").asText())
          .isEqualTo("A futuristic city at sunset, highly detailed, cyberpunk style");
    }
  }

  @Test
  void appliesTheOriginalDefaultsWhenFieldsAreLeftOut() throws Exception {
    try (Harness h = Harness.start(Map.of(
        "COMFYLITE_TEMPLATES_DIR", Harness.SEED.resolve("original-templates").toString(),
        "COMFYLITE_CONFIGS_DIR", Harness.SEED.resolve("original-configs").toString()))) {
      Harness.Reply reply = h.post("/generate", "{\"prompt\":\"a lighthouse\",\"workflow\":\"flux\","
          + "\"width\":640,\"webhook_url\":\"" + h.webhookUrl() + "\"}");
      assertThat(reply.status()).as(reply.toString()).isEqualTo(200);

      JsonNode inputs = h.fake.awaitPrompt(Duration.ofSeconds(5)).graph().get("27").get("inputs");
      // width given, height defaulted to 450 (not copied from width), batch defaulted to 1.
      assertThat(inputs.get("width").asInt()).isEqualTo(640);
      assertThat(inputs.get("height").asInt()).isEqualTo(450);
      assertThat(inputs.get("batch_size").asInt()).isEqualTo(1);
      assertThat(h.takeWebhook().get("status").asText()).isEqualTo("success");
    }
  }

  @Test
  void deliversImageCountImagesOfTheRequestedSize() throws Exception {
    try (Harness h = Harness.start(Map.of())) {
      Harness.Reply reply = h.post("/generate", "{\"prompt\":\"two cats\",\"image_count\":3,\"width\":320,"
          + "\"height\":192,\"seed\":7,\"params\":{\"steps\":4},\"webhook_url\":\"" + h.webhookUrl() + "\"}");
      assertThat(reply.status()).as(reply.toString()).isEqualTo(200);

      JsonNode webhook = h.takeWebhook();
      assertThat(webhook.get("status").asText()).isEqualTo("success");
      assertThat(webhook.get("images")).hasSize(3);
      for (JsonNode image : webhook.get("images")) {
        assertThat(Harness.pngSize(Harness.base64(image))).containsExactly(320, 192);
      }
      assertThat(webhook.get("mime_types").get(0).asText()).isEqualTo("image/png");
    }
  }

  @Test
  void pollingReportsQueuedThenSucceededWithImages() throws Exception {
    try (Harness h = Harness.start(Map.of())) {
      h.fake.pauseQueue();
      String id = h.post("/generate", "{\"prompt\":\"poll me\",\"width\":256,\"height\":256}")
          .json().get("prompt_id").asText();
      h.fake.awaitPrompt(Duration.ofSeconds(5));

      Harness.Reply queued = h.get("/prompts/" + id);
      assertThat(queued.status()).isEqualTo(200);
      assertThat(queued.json().get("status").asText()).isEqualTo("queued");
      assertThat(queued.json().get("workflow").asText()).isEqualTo("starter");

      h.fake.resumeQueue();
      Harness.Reply done = h.awaitPromptStatus(id, "succeeded");
      assertThat(done.json().get("images")).hasSize(1);
      assertThat(done.json().get("mime_types").get(0).asText()).isEqualTo("image/png");
      assertThat(Harness.pngSize(Harness.base64(done.json().get("images").get(0)))).containsExactly(256, 256);
      assertThat(done.headers().firstValue("Content-Type")).hasValueSatisfying(
          type -> assertThat(type).startsWith("application/json"));
    }
  }

  @Test
  void pollingAQueuedPromptShowsItsZeroBasedQueuePosition() throws Exception {
    try (Harness h = Harness.start(Map.of())) {
      h.fake.pauseQueue();
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        ids.add(h.post("/generate", "{\"prompt\":\"wait " + i + "\"}").json().get("prompt_id").asText());
      }

      for (int i = 0; i < ids.size(); i++) {
        JsonNode queued = h.get("/prompts/" + ids.get(i)).json();
        assertThat(queued.get("status").asText()).isEqualTo("queued");
        assertThat(queued.path("queue_position").isInt()).as("queue_position of %s", queued).isTrue();
        assertThat(queued.get("queue_position").asInt()).isEqualTo(i);
      }

      h.fake.resumeQueue();
      assertThat(h.awaitPromptStatus(ids.get(2), "succeeded").json().has("queue_position")).isFalse();
    }
  }

  @Test
  void pollingReportsRunningWithProgress() throws Exception {
    try (Harness h = Harness.start(Map.of())) {
      h.fake.holdExecution();
      String id = h.post("/generate", "{\"prompt\":\"slow\"}").json().get("prompt_id").asText();
      h.fake.awaitRunning(id, Duration.ofSeconds(5));
      Harness.Reply running = h.awaitPromptStatus(id, "running");
      assertThat(running.json().get("prompt_id").asText()).isEqualTo(id);
      h.fake.releaseExecution();
      h.awaitPromptStatus(id, "succeeded");
    }
  }

  @Test
  void deleteCancelsAQueuedPromptAndTheWebhookSaysSo() throws Exception {
    try (Harness h = Harness.start(Map.of())) {
      h.fake.pauseQueue();
      String id = h.post("/generate", "{\"prompt\":\"never mind\",\"webhook_url\":\"" + h.webhookUrl() + "\"}")
          .json().get("prompt_id").asText();

      Harness.Reply cancel = h.delete("/prompts/" + id);
      assertThat(cancel.status()).as(cancel.toString()).isEqualTo(202);
      assertThat(cancel.json().get("status").asText()).isEqualTo("cancelling");

      JsonNode webhook = h.takeWebhook();
      assertThat(webhook.get("status").asText()).isEqualTo("failure");
      assertThat(webhook.get("prompt_id").asText()).isEqualTo(id);
      assertThat(webhook.get("kind").asText()).isEqualTo("cancelled");

      Harness.Reply state = h.awaitPromptStatus(id, "failed");
      assertThat(state.json().get("kind").asText()).isEqualTo("cancelled");
      Harness.Reply again = h.delete("/prompts/" + id);
      assertThat(again.status()).isEqualTo(409);
      assertThat(again.error()).contains("already failed (cancelled)");
      h.fake.resumeQueue();
    }
  }

  @Test
  void failedExecutionIsReportedByPollAndWebhook() throws Exception {
    try (Harness h = Harness.start(Map.of())) {
      h.fake.failNode("KSampler", "CUDA out of memory");
      String id = h.post("/generate", "{\"prompt\":\"boom\",\"webhook_url\":\"" + h.webhookUrl() + "\"}")
          .json().get("prompt_id").asText();
      JsonNode webhook = h.takeWebhook();
      assertThat(webhook.get("status").asText()).isEqualTo("failure");
      assertThat(webhook.get("error").asText()).contains("CUDA out of memory");
      Harness.Reply state = h.awaitPromptStatus(id, "failed");
      assertThat(state.json().get("kind").asText()).isEqualTo("execution");
      assertThat(state.json().get("error").asText()).contains("CUDA out of memory");
      assertThat(state.json().get("node_type").asText()).isEqualTo("KSampler");
    }
  }

  @Test
  void comfyRejectionIs400WithNodeErrors() throws Exception {
    try (Harness h = Harness.start(FakeComfyUi.builder().models("checkpoints", java.util.List.of("other.ckpt")).build(),
        Map.of())) {
      Harness.Reply reply = h.post("/generate", "{\"prompt\":\"p\",\"webhook_url\":\"" + h.webhookUrl() + "\"}");
      assertThat(reply.status()).as(reply.toString()).isEqualTo(400);
      assertThat(reply.json().get("kind").asText()).isEqualTo("validation");
      assertThat(reply.json().get("node_errors").isObject()).isTrue();
      assertThat(reply.error()).startsWith("ComfyUI rejected the prompt: ").containsOnlyOnce("rejected");
      // The webhook hears of it too (documented).
      assertThat(h.takeWebhook().get("status").asText()).isEqualTo("failure");
      assertThat(h.get("/health").status()).isEqualTo(200);
    }
  }

  @Test
  void comfyDownAtSubmitIs503AndReadyReportsIt() throws Exception {
    try (Harness h = Harness.start(Map.of())) {
      h.fake.close();
      Harness.Reply reply = h.post("/generate", "{\"prompt\":\"p\"}");
      assertThat(reply.status()).as(reply.toString()).isEqualTo(503);
      assertThat(reply.error()).startsWith("ComfyUI is unreachable at " + h.server.comfyAddress());
      Harness.Reply ready = awaitReady(h, 503);
      assertThat(ready.json().get("reason").asText()).contains("ComfyUI at").contains("not reachable");
      assertThat(h.get("/health").status()).isEqualTo(200);
    }
  }

  @Test
  void startsWhileComfyIsDownAndConnectsWhenItComesUp() throws Exception {
    // The relay holds its port throughout, so "ComfyUI comes up" happens on the same address without freeing it.
    try (SwitchableRelay relay = new SwitchableRelay();
        Harness h = Harness.startWithoutComfy(URI.create("http://127.0.0.1:" + relay.port()))) {
      int port = relay.port();
      Harness.Reply down = h.get("/ready");
      assertThat(down.status()).isEqualTo(503);
      assertThat(down.json().get("reason").asText()).startsWith("ComfyUI at http://127.0.0.1:" + port);
      assertThat(h.get("/health").status()).isEqualTo(200);
      assertThat(h.get("/workflows").status()).isEqualTo(200);

      try (FakeComfyUi comfy = FakeComfyUi.builder().build().start()) {
        relay.target(comfy.port());
        awaitReady(h, 200);
        Harness.Reply reply = h.post("/generate", "{\"prompt\":\"now it works\"}");
        assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
        h.awaitPromptStatus(reply.json().get("prompt_id").asText(), "succeeded");
      }
    }
  }

  @Test
  void workflowsAreListedAndDescribed() throws Exception {
    try (Harness h = Harness.start(Map.of())) {
      Harness.Reply list = h.get("/workflows");
      assertThat(list.status()).isEqualTo(200);
      assertThat(list.json().get("default").asText()).isEqualTo("starter");
      assertThat(list.json().get("workflows").findValuesAsText("name")).contains("starter", "flux", "smoke");

      Harness.Reply starter = h.get("/workflows/starter");
      assertThat(starter.status()).isEqualTo(200);
      JsonNode params = starter.json().get("parameters");
      JsonNode width = find(params, "width");
      assertThat(width.get("type").asText()).isEqualTo("integer");
      assertThat(width.get("default").asInt()).isEqualTo(450);
      assertThat(width.get("field").asText()).isEqualTo("width");
      assertThat(width.get("minimum").asInt()).isEqualTo(64);
      assertThat(width.get("maximum").asInt()).isEqualTo(4096);
      assertThat(find(params, "imageCount").get("field").asText()).isEqualTo("image_count");
      assertThat(find(params, "prompt").get("required").asBoolean()).isTrue();

      Harness.Reply missing = h.get("/workflows/nope");
      assertThat(missing.status()).isEqualTo(404);
      assertThat(missing.error()).contains("unknown workflow 'nope'");
      assertThat(h.get("/workflows/..%2F..%2Fetc%2Fpasswd").status()).isEqualTo(400);
    }
  }

  @Test
  void backpressureAnswers429WithRetryAfterAndReadySaysWhy() throws Exception {
    try (Harness h = Harness.start(Map.of("COMFYLITE_MAX_PENDING", "2"))) {
      h.fake.pauseQueue();
      assertThat(h.post("/generate", "{\"prompt\":\"1\"}").status()).isEqualTo(200);
      assertThat(h.post("/generate", "{\"prompt\":\"2\"}").status()).isEqualTo(200);
      Harness.Reply third = h.post("/generate", "{\"prompt\":\"3\"}");
      assertThat(third.status()).isEqualTo(429);
      assertThat(third.headers().firstValue("Retry-After")).contains("5");
      assertThat(third.error()).contains("COMFYLITE_MAX_PENDING");
      Harness.Reply ready = h.get("/ready");
      assertThat(ready.status()).isEqualTo(503);
      assertThat(ready.json().get("reason").asText()).contains("too many unfinished prompts: 2 of 2");

      h.fake.resumeQueue();
      h.fake.awaitIdle(Duration.ofSeconds(10));
      awaitReady(h, 200);
      assertThat(h.post("/generate", "{\"prompt\":\"4\"}").status()).isEqualTo(200);
    }
  }

  @Test
  void readyWhenConnected() throws Exception {
    try (Harness h = Harness.start(Map.of())) {
      Harness.Reply ready = awaitReady(h, 200);
      assertThat(ready.json().get("status").asText()).isEqualTo("ready");
      assertThat(ready.json().get("comfyui").asText()).isEqualTo("connected");
      assertThat(ready.json().has("demo")).isFalse();
      assertThat(h.get("/health").json().get("status").asText()).isEqualTo("ok");
    }
  }

  @Test
  void signsWebhooksWhenASecretIsConfigured() throws Exception {
    try (Harness h = Harness.start(Map.of("COMFYLITE_WEBHOOK_SECRET", "whsec_c2VjcmV0LWtleS1mb3ItdGVzdHM="))) {
      h.post("/generate", "{\"prompt\":\"signed\",\"webhook_url\":\"" + h.webhookUrl() + "\"}");
      RecordedRequest delivery = h.takeWebhookRequest();
      assertThat(delivery.getHeaders().get("webhook-id")).startsWith("msg_");
      assertThat(delivery.getHeaders().get("webhook-signature")).startsWith("v1,");
    }
  }

  static Harness.Reply awaitReady(Harness h, int status) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    Harness.Reply last;
    do {
      last = h.get("/ready");
      if (last.status() == status) {
        return last;
      }
      Thread.onSpinWait();
    } while (System.nanoTime() < deadline);
    throw new AssertionError("/ready did not answer " + status + "; last: " + last);
  }

  private static JsonNode find(JsonNode params, String name) {
    for (JsonNode p : params) {
      if (p.get("name").asText().equals(name)) {
        return p;
      }
    }
    throw new AssertionError("no parameter " + name + " in " + params);
  }
}
