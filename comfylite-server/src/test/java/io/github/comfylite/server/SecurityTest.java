package io.github.comfylite.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

class SecurityTest {
  private static final String KEY = "test-key-0123456789abcdef";

  @Test
  void apiKeyIsRequiredEverywhereButHealthAndReady() throws Exception {
    try (Harness h = Harness.start(Map.of("COMFYLITE_API_KEY", KEY))) {
      Harness.Reply missing = h.post("/generate", "{\"prompt\":\"a\"}");
      assertThat(missing.status()).isEqualTo(401);
      assertThat(missing.error()).contains("missing Authorization header");
      assertThat(missing.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
          v -> assertThat(v).startsWith("Bearer"));

      assertThat(h.token("wrong-key-0123456789abcdef").post("/generate", "{\"prompt\":\"a\"}").error())
          .isEqualTo("invalid API key");
      Harness.Reply basic = h.send(h.request("/workflows").header("Authorization", "Basic dXNlcjpwdw==").GET().build());
      assertThat(basic.status()).isEqualTo(401);

      h.token(null);
      assertThat(h.get("/workflows").status()).isEqualTo(401);
      assertThat(h.get("/openapi.json").status()).isEqualTo(401);
      assertThat(h.get("/prompts/x").status()).isEqualTo(401);
      assertThat(h.get("/no-such-route").status()).as("unknown routes do not reveal themselves").isEqualTo(401);
      assertThat(h.get("/health").status()).isEqualTo(200);
      assertThat(h.get("/ready").status()).isIn(200, 503);

      h.token(KEY);
      assertThat(h.post("/generate", "{\"prompt\":\"a\"}").status()).isEqualTo(200);
      assertThat(h.get("/workflows").status()).isEqualTo(200);
      assertThat(h.get("/no-such-route").status()).isEqualTo(404);
    }
  }

  @Test
  void logsNeverContainPromptTextKeysOrWebhookQueryStrings() throws Exception {
    List<String> records = new CopyOnWriteArrayList<>();
    Handler capture = new Handler() {
      @Override
      public void publish(LogRecord record) {
        String message = record.getMessage();
        if (record.getParameters() != null) {
          message = java.text.MessageFormat.format(message, record.getParameters());
        }
        records.add(message + (record.getThrown() == null ? "" : " " + record.getThrown()));
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    Logger root = Logger.getLogger("io.github.comfylite");
    Level before = root.getLevel();
    root.setLevel(Level.ALL);
    root.addHandler(capture);
    try (Harness h = Harness.start(Map.of("COMFYLITE_API_KEY", KEY))) {
      h.token(KEY);
      Harness.Reply reply = h.post("/generate", "{\"prompt\":\"zebra-unicorn-secret-words\",\"webhook_url\":\""
          + h.webhookUrl() + "?token=hook-secret-123\"}");
      assertThat(reply.status()).isEqualTo(200);
      h.takeWebhook();
      h.post("/generate", "{\"prompt\":\"zebra-unicorn-secret-words\",\"widht\":1}");
      h.token("wrong-key-zebra-0123456789");
      h.get("/workflows");
    } finally {
      root.removeHandler(capture);
      root.setLevel(before);
    }
    assertThat(records).isNotEmpty();
    assertThat(records).noneMatch(r -> r.contains("zebra-unicorn-secret-words"))
        .noneMatch(r -> r.contains("hook-secret-123"))
        .noneMatch(r -> r.contains(KEY))
        .noneMatch(r -> r.contains("wrong-key-zebra"));
  }

  @Test
  void webhookHostsAreLimitedToTheAllowList() throws Exception {
    try (Harness h = Harness.start(Map.of("COMFYLITE_WEBHOOK_ALLOWED_HOSTS", "hooks.example.com, localhost"))) {
      Harness.Reply denied = h.post("/generate",
          "{\"prompt\":\"a\",\"webhook_url\":\"http://169.254.169.254/latest/meta-data\"}");
      assertThat(denied.status()).isEqualTo(400);
      assertThat(denied.error()).isEqualTo("webhook_url host '169.254.169.254' is not allowed; allowed hosts: "
          + "hooks.example.com, localhost (COMFYLITE_WEBHOOK_ALLOWED_HOSTS)");
      assertThat(h.fake.receivedPrompts()).isEmpty();

      Harness.Reply allowed = h.post("/generate", "{\"prompt\":\"a\",\"webhook_url\":\"" + h.webhookUrl() + "\"}");
      assertThat(allowed.status()).as(allowed.toString()).isEqualTo(200);
      assertThat(h.takeWebhook().get("prompt_id").asText()).isEqualTo(allowed.json().get("prompt_id").asText());
    }
  }
}
