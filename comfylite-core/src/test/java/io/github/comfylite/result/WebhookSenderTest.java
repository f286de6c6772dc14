package io.github.comfylite.result;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class WebhookSenderTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final ObjectMapper MAPPER = new ObjectMapper();

  @StartStop
  private final MockWebServer server = new MockWebServer();

  private final BlockingQueue<String> events = new LinkedBlockingQueue<>();
  private final BlockingQueue<Duration> retryDelays = new LinkedBlockingQueue<>();
  private final List<WebhookSender> senders = new ArrayList<>();

  private final WebhookListener recorder = new WebhookListener() {
    @Override
    public void onRetry(String webhookId, String promptId, URI url, int attempt, String reason, Duration delay) {
      events.add("retry " + attempt + " " + reason);
      retryDelays.add(delay);
    }

    @Override
    public void onDelivered(DeliveryReport report) {
      events.add("delivered " + report.attempts());
    }

    @Override
    public void onGaveUp(DeliveryReport report) {
      events.add("gave up " + report.attempts());
    }
  };

  @AfterEach
  void closeSendersAndCheckNoEventLeft() {
    senders.forEach(WebhookSender::close);
    assertThat(events).isEmpty();
  }

  private WebhookSender.Builder fastSender() {
    return WebhookSender.builder()
        .initialBackoff(Duration.ofMillis(5))
        .maxBackoff(Duration.ofMillis(20))
        .attemptTimeout(Duration.ofSeconds(5))
        .shutdownGrace(Duration.ofSeconds(5))
        .listener(recorder);
  }

  private WebhookSender track(WebhookSender sender) {
    senders.add(sender);
    return sender;
  }

  private URI url() {
    return server.url("/hooks/comfy?token=s3cret").uri();
  }

  private static MockResponse status(int code) {
    return new MockResponse.Builder().code(code).build();
  }

  private String nextEvent() throws InterruptedException {
    String event = events.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(event).as("listener event").isNotNull();
    return event;
  }

  private RecordedRequest takeRequest() throws InterruptedException {
    RecordedRequest request = server.takeRequest(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(request).as("request to the webhook receiver").isNotNull();
    return request;
  }

  static byte[] png(int size, long seed) {
    byte[] data = new byte[size];
    new Random(seed).nextBytes(data);
    byte[] magic = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    System.arraycopy(magic, 0, data, 0, Math.min(magic.length, size));
    return data;
  }

  static Outcome success(String promptId, byte[]... images) {
    List<GeneratedImage> list = new ArrayList<>();
    for (byte[] image : images) {
      list.add(GeneratedImage.of(image, "9", null));
    }
    return new Outcome.Succeeded(new GenerationResult(promptId, "starter", list, Map.of("seed", 42),
        Duration.ZERO, Duration.ofSeconds(1)));
  }

  static Outcome failure(String promptId) {
    return Outcome.Failed.of(promptId, "starter", FailureKind.TIMEOUT, "did not finish within 5 minutes");
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }

  @Test
  void successPayloadKeepsOriginalContractAndAddsFieldsAfterIt() throws Exception {
    WebhookSender sender = track(fastSender().build());
    byte[] first = png(1000, 1);
    byte[] second = png(1001, 2);
    server.enqueue(status(200));

    DeliveryReport report = sender.send(url(), success("p-1", first, second)).get(10, TimeUnit.SECONDS);

    RecordedRequest request = takeRequest();
    JsonNode body = MAPPER.readTree(request.getBody().utf8());
    assertThat(fieldNames(body)).startsWith("status", "prompt_id", "images")
        .containsExactly("status", "prompt_id", "images", "workflow", "mime_types");
    assertThat(body.get("status").asText()).isEqualTo("success");
    assertThat(body.get("prompt_id").asText()).isEqualTo("p-1");
    assertThat(Base64.getDecoder().decode(body.get("images").get(0).asText())).isEqualTo(first);
    assertThat(Base64.getDecoder().decode(body.get("images").get(1).asText())).isEqualTo(second);
    assertThat(body.get("images")).hasSize(2);
    assertThat(body.get("workflow").asText()).isEqualTo("starter");
    assertThat(body.get("mime_types").toString()).isEqualTo("[\"image/png\",\"image/png\"]");
    assertThat(request.getMethod()).isEqualTo("POST");
    assertThat(request.getUrl().encodedPath()).isEqualTo("/hooks/comfy");
    assertThat(request.getUrl().queryParameter("token")).isEqualTo("s3cret");
    assertThat(request.getHeaders().get("Content-Type")).isEqualTo("application/json");
    assertThat(request.getHeaders().get("User-Agent")).startsWith("comfylite-java/");
    assertThat(request.getHeaders().get("webhook-id")).startsWith("msg_").isEqualTo(report.webhookId());
    assertThat(request.getHeaders().get("webhook-signature")).as("unsigned without a secret").isNull();
    assertThat(request.getHeaders().get("Content-Length")).isEqualTo(Long.toString(request.getBodySize()));
    assertThat(request.getHeaders().get("Transfer-Encoding")).isNull();
    assertThat(report.delivered()).isTrue();
    assertThat(report.attempts()).isEqualTo(1);
    assertThat(report.statusCode()).hasValue(200);
    assertThat(report.failure()).isEmpty();
    assertThat(report.toString()).doesNotContain("s3cret");
    assertThat(nextEvent()).isEqualTo("delivered 1");
  }

  @Test
  void failurePayloadKeepsOriginalContractAndAddsKindAndNode() throws Exception {
    WebhookSender sender = track(fastSender().build());
    server.enqueue(status(204));
    Outcome failed = new Outcome.Failed("p-2", "flux", FailureKind.EXECUTION, "CUDA \"out\" of memory\nü",
        Optional.of("3"), Optional.of("KSampler"), null);

    assertThat(sender.send(url(), failed)).succeedsWithin(WAIT).extracting(DeliveryReport::delivered)
        .isEqualTo(true);

    JsonNode body = MAPPER.readTree(takeRequest().getBody().utf8());
    assertThat(fieldNames(body))
        .containsExactly("status", "prompt_id", "error", "workflow", "kind", "node_id", "node_type");
    assertThat(body.get("status").asText()).isEqualTo("failure");
    assertThat(body.get("prompt_id").asText()).isEqualTo("p-2");
    assertThat(body.get("error").asText()).isEqualTo("CUDA \"out\" of memory\nü");
    assertThat(body.get("workflow").asText()).isEqualTo("flux");
    assertThat(body.get("kind").asText()).isEqualTo("execution");
    assertThat(body.get("node_id").asText()).isEqualTo("3");
    assertThat(body.get("node_type").asText()).isEqualTo("KSampler");
    assertThat(nextEvent()).isEqualTo("delivered 1");
  }

  @Test
  void serviceUnavailableThenOkIsDeliveredOnceWithTheSameWebhookId() throws Exception {
    WebhookSender sender = track(fastSender().secret("whsec_" + Base64.getEncoder().encodeToString(
        "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8))).build());
    server.enqueue(status(503));
    server.enqueue(status(200));

    DeliveryReport report = sender.send(url(), failure("p-3")).get(10, TimeUnit.SECONDS);

    RecordedRequest first = takeRequest();
    RecordedRequest second = takeRequest();
    assertThat(second.getHeaders().get("webhook-id")).isEqualTo(first.getHeaders().get("webhook-id"))
        .isEqualTo(report.webhookId());
    assertThat(second.getBody()).isEqualTo(first.getBody());
    assertThat(server.getRequestCount()).isEqualTo(2);
    assertThat(report.delivered()).isTrue();
    assertThat(report.attempts()).isEqualTo(2);
    assertThat(nextEvent()).isEqualTo("retry 1 HTTP 503");
    assertThat(nextEvent()).isEqualTo("delivered 2");
    assertThat(retryDelays.poll()).isBetween(Duration.ofNanos(2_500_000), Duration.ofMillis(5));
  }

  @Test
  void badRequestIsGivenUpWithoutRetry() throws Exception {
    WebhookSender sender = track(fastSender().build());
    server.enqueue(status(400));
    server.enqueue(status(200));

    DeliveryReport report = sender.send(url(), failure("p-4")).get(10, TimeUnit.SECONDS);

    assertThat(report.delivered()).isFalse();
    assertThat(report.attempts()).isEqualTo(1);
    assertThat(report.statusCode()).hasValue(400);
    assertThat(report.failure()).hasValue("HTTP 400");
    assertThat(server.getRequestCount()).isEqualTo(1);
    assertThat(nextEvent()).isEqualTo("gave up 1");
    assertThat(sender.awaitIdle(WAIT)).isTrue();
    assertThat(sender.pending()).isZero();
  }

  @Test
  void redirectIsNotFollowedNorRetried() throws Exception {
    WebhookSender sender = track(fastSender().build());
    server.enqueue(new MockResponse.Builder().code(307).addHeader("Location", server.url("/elsewhere")).build());
    server.enqueue(status(200));

    DeliveryReport report = sender.send(url(), failure("p-5")).get(10, TimeUnit.SECONDS);

    assertThat(report.delivered()).isFalse();
    assertThat(report.statusCode()).hasValue(307);
    assertThat(server.getRequestCount()).isEqualTo(1);
    assertThat(nextEvent()).isEqualTo("gave up 1");
  }

  @Test
  void hangingReceiverTimesOutAndIsRetried() throws Exception {
    WebhookSender sender = track(fastSender().attemptTimeout(Duration.ofMillis(300)).build());
    server.enqueue(new MockResponse.Builder().onResponseStart(SocketEffect.Stall.INSTANCE).build());
    server.enqueue(status(200));

    DeliveryReport report = sender.send(url(), success("p-6", png(100, 3))).get(10, TimeUnit.SECONDS);

    assertThat(report.delivered()).isTrue();
    assertThat(report.attempts()).isEqualTo(2);
    RecordedRequest first = takeRequest();
    RecordedRequest second = takeRequest();
    assertThat(second.getHeaders().get("webhook-id")).isEqualTo(first.getHeaders().get("webhook-id"));
    assertThat(nextEvent()).isEqualTo("retry 1 timeout");
    assertThat(nextEvent()).isEqualTo("delivered 2");
  }

  @Test
  void retryableStatusesAreRetriedUntilMaxAttemptsThenGivenUp() throws Exception {
    WebhookSender sender = track(fastSender().maxAttempts(4).build());
    server.enqueue(status(408));
    server.enqueue(status(500));
    server.enqueue(status(502));
    server.enqueue(status(504));

    DeliveryReport report = sender.send(url(), failure("p-7")).get(10, TimeUnit.SECONDS);

    assertThat(report.delivered()).isFalse();
    assertThat(report.attempts()).isEqualTo(4);
    assertThat(report.statusCode()).hasValue(504);
    assertThat(report.failure()).hasValueSatisfying(f -> assertThat(f).contains("HTTP 504", "4 attempts"));
    assertThat(server.getRequestCount()).isEqualTo(4);
    assertThat(nextEvent()).isEqualTo("retry 1 HTTP 408");
    assertThat(nextEvent()).isEqualTo("retry 2 HTTP 500");
    assertThat(nextEvent()).isEqualTo("retry 3 HTTP 502");
    assertThat(nextEvent()).isEqualTo("gave up 4");
  }

  @Test
  void retryAfterIsHonouredAndCappedByMaxBackoff() throws Exception {
    Instant now = Instant.parse("2025-01-02T03:04:05Z");
    WebhookSender sender = track(fastSender().clock(Clock.fixed(now, ZoneOffset.UTC)).build());
    String pastDate = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.ofInstant(
        now.minusSeconds(30), ZoneOffset.UTC));
    server.enqueue(new MockResponse.Builder().code(503).addHeader("Retry-After", "3600").build());
    server.enqueue(new MockResponse.Builder().code(429).addHeader("Retry-After", "0").build());
    server.enqueue(new MockResponse.Builder().code(429).addHeader("Retry-After", pastDate).build());
    server.enqueue(status(200));

    DeliveryReport report = sender.send(url(), failure("p-8")).get(10, TimeUnit.SECONDS);

    assertThat(report.delivered()).isTrue();
    assertThat(report.attempts()).isEqualTo(4);
    assertThat(retryDelays.poll()).as("an hour, capped by maxBackoff").isEqualTo(Duration.ofMillis(20));
    assertThat(retryDelays.poll()).as("Retry-After: 0 overrides the backoff").isEqualTo(Duration.ZERO);
    assertThat(retryDelays.poll()).as("a date in the past means now").isEqualTo(Duration.ZERO);
    assertThat(nextEvent()).isEqualTo("retry 1 HTTP 503");
    assertThat(nextEvent()).isEqualTo("retry 2 HTTP 429");
    assertThat(nextEvent()).isEqualTo("retry 3 HTTP 429");
    assertThat(nextEvent()).isEqualTo("delivered 4");
  }

  @Test
  void connectionRefusedIsRetriedUpToMaxAttemptsAndNeverThrowsIntoTheCaller() throws Exception {
    URI closed;
    try (ServerSocket socket = new ServerSocket(0)) {
      closed = URI.create("http://127.0.0.1:" + socket.getLocalPort() + "/hook");
    }
    WebhookSender sender = track(fastSender().maxAttempts(3).build());

    CompletableFuture<DeliveryReport> future = sender.send(closed, failure("p-9"));
    sender.sink(closed).deliver(failure("p-10"));

    DeliveryReport report = future.get(10, TimeUnit.SECONDS);
    assertThat(report.delivered()).isFalse();
    assertThat(report.attempts()).isEqualTo(3);
    assertThat(report.statusCode()).isEmpty();
    assertThat(sender.awaitIdle(WAIT)).isTrue();
    List<String> all = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      all.add(nextEvent());
    }
    assertThat(all).containsOnly("retry 1 connection refused", "retry 2 connection refused", "gave up 3");
  }

  @Test
  void maxTotalTimeBoundsTheDelivery() throws Exception {
    WebhookSender sender = track(fastSender().maxAttempts(100).initialBackoff(Duration.ofMillis(200))
        .maxBackoff(Duration.ofMillis(200)).maxTotalTime(Duration.ofMillis(250)).build());
    for (int i = 0; i < 5; i++) {
      server.enqueue(status(500));
    }

    DeliveryReport report = sender.send(url(), failure("p-11")).get(10, TimeUnit.SECONDS);

    assertThat(report.delivered()).isFalse();
    assertThat(report.attempts()).isLessThan(100);
    assertThat(report.failure()).hasValueSatisfying(f -> assertThat(f).contains("no time left"));
    while (!events.peek().startsWith("gave up")) {
      assertThat(nextEvent()).startsWith("retry");
    }
    assertThat(nextEvent()).startsWith("gave up");
  }

  @Test
  void signatureVerifiesAndCoversExactlyTheBytesSent() throws Exception {
    byte[] key = "a-32-byte-key-for-hmac-sha256!!!".getBytes(StandardCharsets.UTF_8);
    String secret = "whsec_" + Base64.getEncoder().encodeToString(key);
    Instant now = Instant.now();
    WebhookSender sender = track(fastSender().secret(secret).clock(Clock.fixed(now, ZoneOffset.UTC)).build());
    server.enqueue(status(200));

    sender.send(url(), success("p-12", png(4000, 4), png(2, 5))).get(10, TimeUnit.SECONDS);

    RecordedRequest request = takeRequest();
    String id = request.getHeaders().get("webhook-id");
    String timestamp = request.getHeaders().get("webhook-timestamp");
    String signature = request.getHeaders().get("webhook-signature");
    byte[] body = request.getBody().toByteArray();
    assertThat(timestamp).isEqualTo(Long.toString(now.getEpochSecond()));
    assertThat(Long.parseLong(request.getHeaders().get("Content-Length"))).isEqualTo(body.length);
    assertThat(WebhookSignature.verify(secret, id, timestamp, body, signature, Duration.ofMinutes(5))).isTrue();
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    mac.update((id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
    assertThat(signature).isEqualTo("v1," + Base64.getEncoder().encodeToString(mac.doFinal(body)));
    assertThat(nextEvent()).isEqualTo("delivered 1");
  }

  @Test
  void largeImagesStreamIntact() throws Exception {
    WebhookSender sender = track(fastSender().build());
    byte[] big = png(3 * 1024 * 1024 + 1, 6);
    byte[] other = png(1024 * 1024 + 2, 7);
    server.enqueue(status(200));

    DeliveryReport report = sender.send(url(), success("p-13", big, other)).get(10, TimeUnit.SECONDS);

    RecordedRequest request = takeRequest();
    JsonNode body = MAPPER.readTree(request.getBody().toByteArray());
    assertThat(Base64.getDecoder().decode(body.get("images").get(0).asText())).isEqualTo(big);
    assertThat(Base64.getDecoder().decode(body.get("images").get(1).asText())).isEqualTo(other);
    assertThat(request.getHeaders().get("Content-Length")).isEqualTo(Long.toString(request.getBodySize()));
    assertThat(report.delivered()).isTrue();
    assertThat(nextEvent()).isEqualTo("delivered 1");
  }

  @Test
  void closeWaitsForInFlightDeliveriesThenRefusesNewOnes() throws Exception {
    WebhookSender sender = fastSender().build();
    server.enqueue(status(503));
    server.enqueue(status(200));
    CompletableFuture<DeliveryReport> future = sender.send(url(), failure("p-14"));

    sender.close();

    assertThat(future).isCompleted();
    assertThat(future.get().delivered()).isTrue();
    assertThat(sender.pending()).isZero();
    assertThatThrownBy(() -> sender.send(url(), failure("p-15")))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed").hasMessageNotContaining("s3cret");
    sender.sink(url()).deliver(failure("p-16")); // logged and dropped, never thrown
    sender.close(); // idempotent
    assertThat(nextEvent()).isEqualTo("retry 1 HTTP 503");
    assertThat(nextEvent()).isEqualTo("delivered 2");
  }

  @Test
  void closeGivesUpDeliveriesStillRunningAfterTheGrace() throws Exception {
    WebhookSender sender = fastSender().attemptTimeout(Duration.ofMinutes(1)).shutdownGrace(Duration.ofMillis(100))
        .build();
    server.enqueue(new MockResponse.Builder().onResponseStart(SocketEffect.Stall.INSTANCE).build());
    CompletableFuture<DeliveryReport> future = sender.send(url(), failure("p-17"));
    takeRequest();

    sender.close();

    assertThat(future).isCompleted();
    DeliveryReport report = future.get();
    assertThat(report.delivered()).isFalse();
    assertThat(report.failure()).hasValueSatisfying(f -> assertThat(f).contains("closed"));
    assertThat(nextEvent()).isEqualTo("gave up 1");
  }

  @Test
  void webhookSinkDeliversThroughItsSenderAndNeverThrows() throws Exception {
    WebhookSender sender = track(fastSender().build());
    server.enqueue(status(200));
    WebhookSink sink = sender.sink(url());

    sink.deliver(failure("p-18"));
    sink.deliver(null);

    assertThat(MAPPER.readTree(takeRequest().getBody().utf8()).get("prompt_id").asText()).isEqualTo("p-18");
    assertThat(sink.url()).isEqualTo(url());
    assertThat(sink.toString()).doesNotContain("s3cret");
    assertThat(nextEvent()).isEqualTo("delivered 1");
  }

  @Test
  void defaultWebhookSinkDelivers() throws Exception {
    server.enqueue(status(200));

    ResultSink.webhook(url()).deliver(failure("p-19"));

    assertThat(MAPPER.readTree(takeRequest().getBody().utf8()).get("prompt_id").asText()).isEqualTo("p-19");
  }

  @Test
  void rejectsUrlsThatAreNotHttp() {
    WebhookSender sender = track(fastSender().build());

    assertThatThrownBy(() -> sender.sink(URI.create("ftp://example.com/x")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("http or https");
    assertThatThrownBy(() -> sender.send(URI.create("/relative?token=s3cret"), failure("p")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageNotContaining("s3cret");
  }

  @Test
  void builderRejectsOutOfRangeSettingsNamingThem() {
    assertThatThrownBy(() -> WebhookSender.builder().maxAttempts(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxAttempts");
    assertThatThrownBy(() -> WebhookSender.builder().attemptTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("attemptTimeout");
    assertThatThrownBy(() -> WebhookSender.builder().shutdownGrace(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("shutdownGrace");
    assertThatThrownBy(() -> WebhookSender.builder().secret(""))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("secret");
    assertThatThrownBy(() -> WebhookSender.builder().initialBackoff(Duration.ofSeconds(5))
        .maxBackoff(Duration.ofSeconds(1)).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("initialBackoff");
  }

  @Test
  void aMaxBackoffBelowTheDefaultInitialBackoffLowersTheDefaultInsteadOfFailing() throws Exception {
    // No initialBackoff set: its default (500 ms) gives way to the smaller maximum; one that is set still must fit.
    WebhookSender sender = track(WebhookSender.builder().maxBackoff(Duration.ofMillis(40))
        .attemptTimeout(Duration.ofSeconds(5)).listener(recorder).build());
    server.enqueue(status(503));
    server.enqueue(status(200));

    assertThat(sender.send(url(), failure("p-b")).get(10, TimeUnit.SECONDS).delivered()).isTrue();

    assertThat(nextEvent()).isEqualTo("retry 1 HTTP 503");
    assertThat(nextEvent()).isEqualTo("delivered 2");
    assertThat(retryDelays.poll()).isBetween(Duration.ofMillis(20), Duration.ofMillis(40));
  }

  @Test
  void listenerThatThrowsDoesNotBreakDelivery() throws Exception {
    WebhookSender sender = track(WebhookSender.builder().listener(new WebhookListener() {
      @Override
      public void onDelivered(DeliveryReport report) {
        throw new IllegalStateException("listener bug");
      }
    }).build());
    server.enqueue(status(200));

    assertThat(sender.send(url(), failure("p-20"))).succeedsWithin(WAIT)
        .extracting(DeliveryReport::delivered).isEqualTo(true);
  }
}
