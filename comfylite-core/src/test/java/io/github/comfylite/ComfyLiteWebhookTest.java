package io.github.comfylite;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.comfylite.result.DeliveryReport;
import io.github.comfylite.result.WebhookListener;
import io.github.comfylite.result.WebhookSender;
import io.github.comfylite.testkit.FakeComfyUi;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Outcomes reach a webhook receiver through the facade: retried when worth it, once, with a stable webhook-id. */
class ComfyLiteWebhookTest {
  private static final Path WORKFLOWS = Path.of("src/test/resources/tracker");

  private final BlockingQueue<DeliveryReport> reports = new LinkedBlockingQueue<>();
  private MockWebServer receiver;
  private FakeComfyUi fake;
  private WebhookSender sender;
  private ComfyLite comfy;

  @BeforeEach
  void setUp() throws Exception {
    receiver = new MockWebServer();
    receiver.start();
    fake = FakeComfyUi.builder().build();
    fake.start();
    sender = WebhookSender.builder()
        .initialBackoff(Duration.ofMillis(10))
        .maxBackoff(Duration.ofMillis(50))
        .attemptTimeout(Duration.ofMillis(500))
        .listener(new WebhookListener() {
          @Override
          public void onDelivered(DeliveryReport report) {
            reports.add(report);
          }

          @Override
          public void onGaveUp(DeliveryReport report) {
            reports.add(report);
          }
        })
        .build();
    comfy = ComfyLite.builder()
        .comfyUrl(fake.url())
        .workflowDirectories(WORKFLOWS.resolve("templates"), WORKFLOWS.resolve("configs"))
        .webhookSender(sender)
        .build();
  }

  @AfterEach
  void tearDown() throws Exception {
    comfy.close();
    sender.close();
    fake.close();
    receiver.close();
  }

  private PromptHandle submitWithWebhook() {
    URI hook = receiver.url("/hook").uri();
    return comfy.submit(GenerationRequest.builder("smoke").param("width", 32).param("height", 32)
        .addSink(comfy.webhookSink(hook)).build());
  }

  private DeliveryReport report() throws InterruptedException {
    DeliveryReport report = reports.poll(10, TimeUnit.SECONDS);
    assertThat(report).as("a delivery report").isNotNull();
    return report;
  }

  private RecordedRequest request() throws InterruptedException {
    RecordedRequest request = receiver.takeRequest(10, TimeUnit.SECONDS);
    assertThat(request).as("a webhook request").isNotNull();
    return request;
  }

  @Test
  void receiverAnswering503Then200GetsTheOutcomeOnceMoreWithTheSameWebhookId() throws Exception {
    receiver.enqueue(new MockResponse.Builder().code(503).build());
    receiver.enqueue(new MockResponse.Builder().code(200).build());

    PromptHandle handle = submitWithWebhook();

    DeliveryReport report = report();
    assertThat(report.delivered()).isTrue();
    assertThat(report.attempts()).isEqualTo(2);
    assertThat(report.promptId()).isEqualTo(handle.promptId());
    RecordedRequest first = request();
    RecordedRequest second = request();
    assertThat(second.getHeaders().get("webhook-id")).isEqualTo(first.getHeaders().get("webhook-id"));
    assertThat(second.getBody().utf8()).contains("\"status\":\"success\"").contains(handle.promptId());
    assertThat(receiver.getRequestCount()).isEqualTo(2);
  }

  @Test
  void receiverAnswering400IsNotRetried() throws Exception {
    receiver.enqueue(new MockResponse.Builder().code(400).build());

    submitWithWebhook();

    DeliveryReport report = report();
    assertThat(report.delivered()).isFalse();
    assertThat(report.attempts()).isEqualTo(1);
    assertThat(report.statusCode()).hasValue(400);
    assertThat(receiver.getRequestCount()).isEqualTo(1);
  }

  @Test
  void hangingReceiverTimesOutAndIsRetriedWithTheSameWebhookId() throws Exception {
    receiver.enqueue(new MockResponse.Builder().code(200).headersDelay(5, TimeUnit.SECONDS).build());
    receiver.enqueue(new MockResponse.Builder().code(200).build());

    submitWithWebhook();

    DeliveryReport report = report();
    assertThat(report.delivered()).isTrue();
    assertThat(report.attempts()).isEqualTo(2);
    RecordedRequest first = request();
    RecordedRequest second = request();
    assertThat(second.getHeaders().get("webhook-id")).isEqualTo(first.getHeaders().get("webhook-id"));
  }
}
