package io.github.comfylite.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ConcurrencyTest {

  @Test
  void twoHundredRequestsFromSixteenThreadsLoseNothing() throws Exception {
    try (Harness h = Harness.start(Map.of("COMFYLITE_MAX_PENDING", "1000"))) {
      ExecutorService clients = Executors.newFixedThreadPool(16);
      List<Future<Harness.Reply>> replies = new ArrayList<>();
      try {
        for (int i = 0; i < 200; i++) {
          String body = "{\"prompt\":\"request " + i + "\",\"width\":64,\"height\":64,\"seed\":" + i
              + ",\"webhook_url\":\"" + h.webhookUrl() + "\"}";
          replies.add(clients.submit(() -> h.post("/generate", body)));
        }
        Set<String> ids = new HashSet<>();
        for (Future<Harness.Reply> reply : replies) {
          Harness.Reply r = reply.get(60, TimeUnit.SECONDS);
          assertThat(r.status()).as(r.toString()).isEqualTo(200);
          ids.add(r.json().get("prompt_id").asText());
        }
        assertThat(ids).hasSize(200);

        Set<String> delivered = new HashSet<>();
        for (int i = 0; i < 200; i++) {
          JsonNode webhook = h.takeWebhook();
          assertThat(webhook.get("status").asText()).as(webhook.toString()).isEqualTo("success");
          delivered.add(webhook.get("prompt_id").asText());
        }
        assertThat(delivered).isEqualTo(ids);
        for (String id : ids) {
          assertThat(h.get("/prompts/" + id).json().get("status").asText()).isEqualTo("succeeded");
        }
        assertThat(h.webhooks.takeRequest(100, TimeUnit.MILLISECONDS)).as("no duplicate deliveries").isNull();
      } finally {
        clients.shutdownNow();
      }
    }
  }
}
