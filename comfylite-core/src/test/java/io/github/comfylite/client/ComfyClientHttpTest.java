package io.github.comfylite.client;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.comfylite.errors.ComfyHttpException;
import io.github.comfylite.errors.ComfyIoException;
import io.github.comfylite.result.GeneratedImage;
import java.math.BigInteger;
import java.net.URI;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ComfyClientHttpTest {
  private static final String CLIENT_ID = "5b3f1a9e-7c2d-4e8b-9a10-3c4d5e6f7a8b";

  @StartStop
  final MockWebServer server = new MockWebServer();

  private ComfyClient client;

  @BeforeEach
  void setUp() {
    client = ComfyClient.builder().baseUrl(server.url("/").uri()).clientId(CLIENT_ID).build();
  }

  @AfterEach
  void tearDown() {
    client.close();
  }

  private static MockResponse json(int code, String body) {
    return new MockResponse.Builder().code(code).setHeader("Content-Type", "application/json; charset=utf-8")
        .body(body).build();
  }

  private RecordedRequest take() throws InterruptedException {
    RecordedRequest request = server.takeRequest(5, TimeUnit.SECONDS);
    assertThat(request).as("request reached the server").isNotNull();
    return request;
  }

  @Test
  void submitPostsTheBodyAsJsonWithoutOriginAndReturnsAccepted() throws Exception {
    server.enqueue(json(200, Fixtures.text("post-prompt-response-200.json")));
    byte[] body = Fixtures.text("post-prompt-request.json").getBytes(UTF_8);

    SubmitResult result = client.submit(body);

    assertThat(result).isInstanceOfSatisfying(SubmitResult.Accepted.class, a -> {
      assertThat(a.promptId()).isEqualTo("c2a4e6f8-1b3d-4f5a-9c7e-2d4f6a8b0c1e");
      assertThat(a.number().asInt()).isEqualTo(7);
      assertThat(a.hasNodeErrors()).isFalse();
    });
    RecordedRequest request = take();
    assertThat(request.getMethod()).isEqualTo("POST");
    assertThat(request.getUrl().encodedPath()).isEqualTo("/prompt");
    assertThat(request.getHeaders().get("Content-Type")).startsWith("application/json");
    assertThat(request.getHeaders().get("Origin")).isNull();
    assertThat(request.getBody().toByteArray()).isEqualTo(body);
  }

  @Test
  void submitAcceptedWithPartialNodeErrorsReportsThem() {
    JsonNode reply = Fixtures.json("post-prompt-error-catalogue.json").get("accepted_with_partial_errors");
    server.enqueue(json(200, reply.get("body").toString()));

    SubmitResult result = client.submit("{}".getBytes(UTF_8));

    assertThat(result).isInstanceOfSatisfying(SubmitResult.Accepted.class, a -> {
      assertThat(a.hasNodeErrors()).isTrue();
      assertThat(a.nodeErrors().has("10")).isTrue();
    });
  }

  @Test
  void submitValidationFailureBecomesRejectedWithNodeErrors() {
    server.enqueue(json(400, Fixtures.text("post-prompt-response-400-validation.json")));

    SubmitResult result = client.submit("{}".getBytes(UTF_8));

    assertThat(result).isInstanceOfSatisfying(SubmitResult.Rejected.class, r -> {
      assertThat(r.statusCode()).isEqualTo(400);
      assertThat(r.errorType()).isEqualTo("prompt_outputs_failed_validation");
      assertThat(r.message()).isEqualTo("Prompt outputs failed validation");
      assertThat(r.details()).isEmpty();
      assertThat(r.nodeErrors().has("4")).isTrue();
      assertThat(r.summary()).contains("node 4 (CheckpointLoaderSimple)").contains("Value not in list")
          .contains("ckpt_name");
    });
  }

  @Test
  void everyCatalogued400ParsesToRejectedWithItsType() {
    JsonNode catalogue = Fixtures.json("post-prompt-error-catalogue.json");
    int checked = 0;
    for (Iterator<Map.Entry<String, JsonNode>> it = catalogue.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      if (entry.getValue().path("http_status").asInt() != 400) {
        continue;
      }
      JsonNode body = entry.getValue().get("body");
      SubmitResult.Rejected rejected = SubmitResult.Rejected.fromResponse(400, body.toString());
      String expectedType = body.get("error").isTextual() ? "no_prompt" : body.get("error").get("type").asText();
      assertThat(rejected.errorType()).as(entry.getKey()).isEqualTo(expectedType);
      assertThat(rejected.message()).as(entry.getKey()).isNotEmpty();
      assertThat(rejected.nodeErrors().isObject()).as(entry.getKey()).isTrue();
      checked++;
    }
    assertThat(checked).isGreaterThanOrEqualTo(10);
  }

  @Test
  void submitOldNoPromptStringShapeWithListNodeErrorsBecomesRejected() {
    server.enqueue(json(400, "{\"error\": \"no prompt\", \"node_errors\": []}"));

    SubmitResult result = client.submit("{}".getBytes(UTF_8));

    assertThat(result).isInstanceOfSatisfying(SubmitResult.Rejected.class, r -> {
      assertThat(r.errorType()).isEqualTo("no_prompt");
      assertThat(r.message()).isEqualTo("no prompt");
      assertThat(r.nodeErrors().isObject()).isTrue();
      assertThat(r.nodeErrors().size()).isZero();
      assertThat(r.rawBody().path("node_errors").isArray()).isTrue();
    });
  }

  @Test
  void submitTooLargeBecomesRejectedWithClearMessage() {
    server.enqueue(new MockResponse.Builder().code(413).body("413: Request Entity Too Large").build());

    SubmitResult result = client.submit("{}".getBytes(UTF_8));

    assertThat(result).isInstanceOfSatisfying(SubmitResult.Rejected.class, r -> {
      assertThat(r.statusCode()).isEqualTo(413);
      assertThat(r.errorType()).isEqualTo("payload_too_large");
      assertThat(r.message()).contains("larger than ComfyUI accepts").contains("max-upload-size");
    });
  }

  @Test
  void submitEmpty400IsRejectedWithoutExplanation() {
    server.enqueue(new MockResponse.Builder().code(400).build());

    SubmitResult result = client.submit("{}".getBytes(UTF_8));

    assertThat(result).isInstanceOfSatisfying(SubmitResult.Rejected.class,
        r -> assertThat(r.errorType()).isEqualTo("bad_request"));
  }

  @Test
  void submitServerErrorThrowsHttpExceptionWithStatusAndBody() {
    server.enqueue(new MockResponse.Builder().code(500).body("500 Internal Server Error").build());

    assertThatThrownBy(() -> client.submit("{}".getBytes(UTF_8)))
        .isInstanceOfSatisfying(ComfyHttpException.class, e -> {
          assertThat(e.statusCode()).isEqualTo(500);
          assertThat(e.body()).contains("Internal Server Error");
          assertThat(e.getMessage()).startsWith("POST /prompt");
        });
  }

  @Test
  void unreachableServerThrowsIoException() throws Exception {
    URI dead;
    try (MockWebServer gone = new MockWebServer()) {
      gone.start();
      dead = gone.url("/").uri();
    }
    try (ComfyClient deadClient = ComfyClient.builder().baseUrl(dead).build()) {
      assertThatThrownBy(deadClient::queue).isInstanceOf(ComfyIoException.class).hasMessageContaining("GET /queue");
    }
  }

  @Test
  void historyReturnsFinishedEntryWithImagesAndEvents() throws Exception {
    String id = "51f0c8a2-3e6d-4b9f-a7c1-8d2e4f6a0b3c";
    server.enqueue(json(200, Fixtures.text("history-finished-two-images.json")));

    HistoryEntry entry = client.history(id).orElseThrow();

    assertThat(take().getUrl().encodedPath()).isEqualTo("/history/" + id);
    assertThat(entry.promptId()).isEqualTo(id);
    assertThat(entry.statusStr()).contains("success");
    assertThat(entry.completed()).isTrue();
    assertThat(entry.outputImages()).containsOnlyKeys("9");
    assertThat(entry.outputImages().get("9")).containsExactly(
        new GeneratedImage.FileRef("ComfyUI_00004_.png", "", "output"),
        new GeneratedImage.FileRef("ComfyUI_00005_.png", "", "output"));
    assertThat(entry.events()).hasSize(3).last().isInstanceOf(ComfyEvent.ExecutionSuccess.class);
  }

  @Test
  void historyOfInterruptedPromptIsAnErrorWithTheInterruptEvent() {
    server.enqueue(json(200, Fixtures.text("history-interrupted.json")));

    HistoryEntry entry = client.history("e4d3c2b1-a0f9-4e8d-9c7b-6a5f4e3d2c1b").orElseThrow();

    assertThat(entry.statusStr()).contains("error");
    assertThat(entry.completed()).isFalse();
    assertThat(entry.outputImages()).isEmpty();
    assertThat(entry.events()).last().isInstanceOfSatisfying(ComfyEvent.ExecutionInterrupted.class,
        e -> assertThat(e.nodeId()).isEqualTo("3"));
  }

  @Test
  void historyOfUnfinishedOrUnknownPromptIsEmpty() {
    server.enqueue(json(200, "{}"));

    assertThat(client.history("nope")).isEmpty();
  }

  @Test
  void historyOrdersOutputNodesLikeTheGraphAndSkipsNonImageOutputs() {
    String entry = "{\"p\":{\"prompt\":[1,\"p\",{\"20\":{},\"3\":{},\"9\":{}},{},[\"9\",\"20\"]],"
        + "\"outputs\":{\"9\":{\"images\":[{\"filename\":\"b.png\",\"subfolder\":\"s\",\"type\":\"temp\"}]},"
        + "\"text_node\":{\"text\":[\"hi\"]},"
        + "\"20\":{\"images\":[{\"filename\":\"a.png\",\"subfolder\":\"\",\"type\":\"output\"}]}}}}";
    server.enqueue(json(200, entry));

    HistoryEntry history = client.history("p").orElseThrow();

    assertThat(new ArrayList<>(history.outputImages().keySet())).containsExactly("20", "9");
    assertThat(history.statusStr()).isEmpty(); // pre-2024 servers write no status
    assertThat(history.allImages()).extracting(GeneratedImage.FileRef::filename).containsExactly("a.png", "b.png");
  }

  @Test
  void viewUrlEncodesNamesWithSpacesParenthesesAndAmpersands() throws Exception {
    byte[] png = Fixtures.image(Fixtures.PNG_MAGIC, 32);
    server.enqueue(new MockResponse.Builder().code(200).setHeader("Content-Type", "image/png")
        .body(new okio.Buffer().write(png)).build());
    GeneratedImage.FileRef file = new GeneratedImage.FileRef("fox (1) & co+.png", "my dir/a#b", "temp");

    byte[] bytes = client.view(file);

    assertThat(bytes).isEqualTo(png);
    RecordedRequest request = take();
    assertThat(request.getUrl().encodedPath()).isEqualTo("/view");
    assertThat(request.getUrl().queryParameter("filename")).isEqualTo("fox (1) & co+.png");
    assertThat(request.getUrl().queryParameter("subfolder")).isEqualTo("my dir/a#b");
    assertThat(request.getUrl().queryParameter("type")).isEqualTo("temp");
    assertThat(request.getTarget()).doesNotContain(" ").contains("%26").contains("%2B");
  }

  @Test
  void viewOfMissingFileThrowsHttpException() {
    server.enqueue(new MockResponse.Builder().code(404).build());

    assertThatThrownBy(() -> client.view(new GeneratedImage.FileRef("x.png", "", "output")))
        .isInstanceOfSatisfying(ComfyHttpException.class, e -> assertThat(e.statusCode()).isEqualTo(404));
  }

  @Test
  void uploadSendsMultipartFieldsAndReturnsTheRenamedName() throws Exception {
    server.enqueue(json(200, Fixtures.text("upload-image-response.json")));
    byte[] png = Fixtures.image(Fixtures.PNG_MAGIC, 40);

    UploadedImage uploaded = client.uploadImage("fox.png", png, false);

    assertThat(uploaded).isEqualTo(new UploadedImage("fox (1).png", "", "input"));
    assertThat(uploaded.loadImageValue()).isEqualTo("fox (1).png");
    RecordedRequest request = take();
    assertThat(request.getUrl().encodedPath()).isEqualTo("/upload/image");
    assertThat(request.getHeaders().get("Content-Type")).startsWith("multipart/form-data; boundary=");
    String body = request.getBody().string(UTF_8);
    assertThat(body)
        .contains("Content-Disposition: form-data; name=\"image\"; filename=\"fox.png\"")
        .contains("Content-Type: image/png")
        .containsPattern("name=\"type\"\\r\\n(.*\\r\\n)*\\r\\ninput\\r\\n")
        .containsPattern("name=\"overwrite\"\\r\\n(.*\\r\\n)*\\r\\nfalse\\r\\n")
        .contains("name=\"subfolder\"");
  }

  @Test
  void uploadRefusesNamesWithPathsAndUnknownTypes() {
    assertThatThrownBy(() -> client.uploadImage("../x.png", new byte[1], false))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("subfolder");
    assertThatThrownBy(() -> client.uploadImage("x.png", new byte[1], "", "models", false))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("input, temp or output");
    assertThat(server.getRequestCount()).isZero();
  }

  @Test
  void loadImageValueAddsSubfolderAndTypeSuffix() {
    assertThat(new UploadedImage("a.png", "refs", "input").loadImageValue()).isEqualTo("refs/a.png");
    assertThat(new UploadedImage("a.png", "", "temp").loadImageValue()).isEqualTo("a.png [temp]");
    assertThat(new UploadedImage("a.png", "x", "output").loadImageValue()).isEqualTo("x/a.png [output]");
  }

  @Test
  void queueFromFixtureShowsRunningAndPendingWithClientIds() {
    server.enqueue(json(200, Fixtures.text("get-queue-response.json")));

    QueueSnapshot queue = client.queue();

    assertThat(queue.running()).singleElement().satisfies(item -> {
      assertThat(item.promptId()).isEqualTo("3c5e7a9b-1d2f-4a6c-8e0b-2d4f6a8c0e1a");
      assertThat(item.clientId()).contains(CLIENT_ID);
      assertThat(item.number().asInt()).isEqualTo(11);
    });
    assertThat(queue.isRunning("3c5e7a9b-1d2f-4a6c-8e0b-2d4f6a8c0e1a")).isTrue();
    assertThat(queue.position("3c5e7a9b-1d2f-4a6c-8e0b-2d4f6a8c0e1a")).isEmpty();
    assertThat(queue.position("9b8a7f6e-5d4c-4b3a-8f2e-1d0c9b8a7f6e")).isEqualTo(OptionalInt.of(0));
    assertThat(queue.contains("9b8a7f6e-5d4c-4b3a-8f2e-1d0c9b8a7f6e")).isTrue();
    assertThat(queue.contains("gone")).isFalse();
  }

  @Test
  void queuePendingIsSortedByNumberNotHeapOrder() {
    String body = "{\"queue_running\":[],\"queue_pending\":["
        + "[14,\"c\",{},{\"client_id\":\"x\"},[]],"
        + "[12.5,\"b\",{},{},[]],"
        + "[18446744073709551616,\"e\",{},{},[]],"
        + "[-3,\"a\",{},{},[]],"
        + "[14,\"d\",{},{},[]]]}";
    server.enqueue(json(200, body));

    QueueSnapshot queue = client.queue();

    assertThat(queue.pending()).extracting(QueueItem::promptId).containsExactly("a", "b", "c", "d", "e");
    assertThat(queue.pending().get(1).clientId()).isEmpty();
    assertThat(queue.position("d")).hasValue(3);
  }

  @Test
  void deleteFromQueuePostsTheIdsAndSkipsEmptyLists() throws Exception {
    server.enqueue(new MockResponse.Builder().code(200).build());

    client.deleteFromQueue(List.of());
    client.deleteFromQueue(List.of("a", "b"));

    RecordedRequest request = take();
    assertThat(request.getUrl().encodedPath()).isEqualTo("/queue");
    assertThat(request.getBody().string(UTF_8)).isEqualTo("{\"delete\":[\"a\",\"b\"]}");
    assertThat(server.getRequestCount()).isEqualTo(1);
  }

  @Test
  void interruptPostsThePromptId() throws Exception {
    server.enqueue(new MockResponse.Builder().code(200).build());

    client.interrupt("p-1");

    RecordedRequest request = take();
    assertThat(request.getUrl().encodedPath()).isEqualTo("/interrupt");
    assertThat(request.getBody().string(UTF_8)).isEqualTo("{\"prompt_id\":\"p-1\"}");
  }

  @Test
  void objectInfoKeepsIntegersBeyondSixtyFourBits() {
    server.enqueue(json(200, Fixtures.text("object-info-excerpt.json")));

    JsonNode info = client.objectInfo();

    JsonNode seedMax = info.path("KSampler").path("input").path("required").path("seed").path(1).path("max");
    assertThat(seedMax.bigIntegerValue()).isEqualTo(new BigInteger("18446744073709551615"));
  }

  @Test
  void serverInfoOnCurrentServerSupportsEverything() {
    server.enqueue(json(200, Fixtures.text("features-response.json")));
    server.enqueue(json(200, Fixtures.text("system-stats-response.json")));

    ServerInfo info = client.serverInfo();

    assertThat(info.version()).contains("0.3.64");
    assertThat(info.supportsFeatureFlags()).isTrue();
    assertThat(info.supportsPreviewMetadata()).isTrue();
    assertThat(info.supportsClientPromptId()).isTrue();
    assertThat(info.supportsTargetedInterrupt()).isTrue();
    assertThat(info.maxUploadSize()).hasValue(104857600L);
    assertThat(client.serverInfo()).isSameAs(info);
    assertThat(server.getRequestCount()).isEqualTo(2);
  }

  @Test
  void serverInfoOnOldServerWith404FeaturesAndNoVersionSupportsNothing() {
    server.enqueue(new MockResponse.Builder().code(404).body("404: Not Found").build());
    server.enqueue(json(200, "{\"system\":{\"os\":\"posix\",\"python_version\":\"3.10\"},\"devices\":[]}"));
    server.enqueue(new MockResponse.Builder().code(404).build());

    ServerInfo info = client.serverInfo();

    assertThat(client.features()).isEmpty(); // and features() alone says the same
    assertThat(info.version()).isEmpty();
    assertThat(info.supportsFeatureFlags()).isFalse();
    assertThat(info.supportsPreviewMetadata()).isFalse();
    assertThat(info.supportsClientPromptId()).isFalse();
    assertThat(info.supportsTargetedInterrupt()).isFalse();
    assertThat(info.maxUploadSize()).isEmpty();
  }

  @Test
  void serverInfoBetweenFeatureFlagsAndTargetedInterruptVersions() {
    server.enqueue(json(200, "{\"supports_preview_metadata\":true,\"max_upload_size\":209715200.0}"));
    server.enqueue(json(200, "{\"system\":{\"comfyui_version\":\"v0.3.50-rc1\"}}"));

    ServerInfo info = client.serverInfo();

    assertThat(info.supportsClientPromptId()).isTrue();
    assertThat(info.supportsTargetedInterrupt()).isFalse();
    assertThat(info.maxUploadSize()).hasValue(209715200L);
    assertThat(info.isAtLeast(0, 3, 50)).isTrue();
    assertThat(info.isAtLeast(0, 3, 51)).isFalse();
  }

  @Test
  void httpCallsAfterCloseAreRefused() {
    client.close();
    client.close();

    assertThatThrownBy(client::queue).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
  }

  @Test
  void baseUrlIsNormalisedWithOrWithoutTrailingSlashAndKeepsAPathPrefix() throws Exception {
    String root = "http://127.0.0.1:" + server.getPort();
    try (ComfyClient noSlash = ComfyClient.builder().baseUrl(URI.create(root)).build();
        ComfyClient prefixed = ComfyClient.builder().baseUrl(URI.create(root + "/comfy")).build()) {
      assertThat(noSlash.baseUrl()).isEqualTo(URI.create(root + "/"));
      assertThat(noSlash.clientId()).matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
      server.enqueue(json(200, "{\"queue_running\":[],\"queue_pending\":[]}"));
      prefixed.queue();
      assertThat(take().getUrl().encodedPath()).isEqualTo("/comfy/queue");
    }
  }

  @Test
  void builderRejectsBadSettingsWithClearMessages() {
    assertThatThrownBy(() -> ComfyClient.builder().baseUrl(URI.create("ftp://host/")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("http://");
    assertThatThrownBy(() -> ComfyClient.builder().baseUrl(URI.create("http://host/?a=b")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("query");
    assertThatThrownBy(() -> ComfyClient.builder().build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("baseUrl");
    assertThatThrownBy(() -> ComfyClient.builder().pingInterval(java.time.Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pingInterval");
    assertThatThrownBy(() -> ComfyClient.builder()
        .reconnectBackoff(java.time.Duration.ofSeconds(2), java.time.Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("max");
    assertThatThrownBy(() -> ComfyClient.builder().clientId(" "))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
