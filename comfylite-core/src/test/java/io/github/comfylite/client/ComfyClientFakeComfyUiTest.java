package io.github.comfylite.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.comfylite.internal.Json;
import io.github.comfylite.result.GeneratedImage;
import io.github.comfylite.testkit.FakeComfyUi;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The client against the protocol-faithful fake from {@code comfylite-testkit}. */
class ComfyClientFakeComfyUiTest {
  private static final Duration WAIT = Duration.ofSeconds(5);

  private final BlockingQueue<Object> received = new LinkedBlockingQueue<>();
  private final List<AutoCloseable> toClose = new ArrayList<>();

  private final ComfyEventListener recorder = new ComfyEventListener() {
    @Override
    public void onConnected(boolean reconnected) {
      received.add(reconnected ? "reconnected" : "connected");
    }

    @Override
    public void onEvent(ComfyEvent event) {
      received.add(event);
    }

    @Override
    public void onDisconnected(Throwable cause) {
      received.add("disconnected");
    }
  };

  @AfterEach
  void tearDown() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  private FakeComfyUi fake(FakeComfyUi.Builder builder) {
    FakeComfyUi fake = builder.build().start();
    toClose.add(fake);
    return fake;
  }

  private ComfyClient client(FakeComfyUi fake) {
    ComfyClient client = ComfyClient.builder().baseUrl(fake.url())
        .reconnectBackoff(Duration.ofMillis(20), Duration.ofMillis(200)).build();
    toClose.add(client);
    return client;
  }

  /** Takes received items until one matches, failing if none does in time. */
  @SuppressWarnings("unchecked")
  private <T> T await(Class<T> type, Predicate<? super T> match) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      Object next = received.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
      assertThat(next).as("a " + type.getSimpleName() + " in time").isNotNull();
      if (type.isInstance(next) && match.test((T) next)) {
        return (T) next;
      }
    }
  }

  private void awaitMarker(String marker) throws InterruptedException {
    await(String.class, marker::equals);
  }

  /**
   * Waits for the server's first frame on the current socket, the {@code status} carrying our {@code sid}: the
   * server sends it once it has registered the socket. {@code onConnected} follows the 101 reply, which a server may
   * write before registering, and events for an id with no registered socket are lost (protocol §4).
   */
  private void awaitRegistered() throws InterruptedException {
    await(ComfyEvent.Status.class, s -> s.sid().isPresent());
  }

  private static byte[] request(String workflowFixture, String clientId, String promptId) throws Exception {
    ObjectNode body = Json.JSON.createObjectNode();
    body.set("prompt", Fixtures.json(workflowFixture));
    body.put("client_id", clientId);
    body.put("prompt_id", promptId);
    return Json.JSON.writeValueAsBytes(body);
  }

  private static String newPromptId() {
    return UUID.randomUUID().toString().toLowerCase(Locale.ROOT);
  }

  @Test
  void runsAPromptFromSubmitToFinishedThenReadsHistoryAndViewsTheImage() throws Exception {
    FakeComfyUi fake = fake(FakeComfyUi.builder());
    ComfyClient client = client(fake);
    client.connect(recorder);
    awaitMarker("connected");
    awaitRegistered();
    String promptId = newPromptId();

    SubmitResult result = client.submit(request("workflow-api-emptyimage-saveimage.json", client.clientId(),
        promptId));

    assertThat(result).isInstanceOfSatisfying(SubmitResult.Accepted.class,
        a -> assertThat(a.promptId()).isEqualTo(promptId));
    await(ComfyEvent.ExecutionStart.class, e -> e.promptId().equals(promptId));
    ComfyEvent.Executed executed = await(ComfyEvent.Executed.class, e -> e.promptId().equals(promptId));
    assertThat(executed.node()).isEqualTo("2");
    await(ComfyEvent.ExecutionSuccess.class, e -> e.promptId().equals(promptId));
    await(ComfyEvent.Executing.class, e -> e.isFinished() && e.promptId().orElseThrow().equals(promptId));

    HistoryEntry entry = client.history(promptId).orElseThrow();
    assertThat(entry.statusStr()).contains("success");
    GeneratedImage.FileRef file = entry.outputImages().get("2").get(0);
    byte[] png = client.view(file);
    assertThat(GeneratedImage.mimeTypeOf(png)).isEqualTo("image/png");
    assertThat(client.queue().contains(promptId)).isFalse();
  }

  @Test
  void messagesTheListenerDoesNotWantAreNeverDelivered() throws Exception {
    FakeComfyUi fake = fake(FakeComfyUi.builder());
    ComfyClient client = client(fake);
    List<String> asked = java.util.Collections.synchronizedList(new ArrayList<>());
    client.connect(new ComfyEventListener() {
      @Override
      public boolean wants(String type) {
        asked.add(type);
        return !type.equals("progress_state") && !type.equals("status");
      }

      @Override
      public void onEvent(ComfyEvent event) {
        received.add(event);
      }
    });
    await(ComfyEvent.FeatureFlags.class, f -> true);
    String promptId = newPromptId();

    client.submit(request("workflow-api-emptyimage-saveimage.json", client.clientId(), promptId));

    await(ComfyEvent.Executing.class, e -> e.isFinished() && e.promptId().orElseThrow().equals(promptId));
    assertThat(asked).contains("status", "progress_state", "execution_start", "executed", "executing");
    assertThat(received).noneMatch(e -> e instanceof ComfyEvent.ProgressState || e instanceof ComfyEvent.Status);
  }

  @Test
  void saveImageWebsocketFramesArriveAsEvent4WithTheirNode() throws Exception {
    FakeComfyUi fake = fake(FakeComfyUi.builder());
    ComfyClient client = client(fake);
    client.connect(recorder);
    // The handshake reply proves the server stored our flags before the prompt runs.
    await(ComfyEvent.FeatureFlags.class, f -> f.flags().path("supports_preview_metadata").asBoolean());
    String promptId = newPromptId();

    client.submit(request("workflow-api-emptyimage-saveimagewebsocket.json", client.clientId(), promptId));

    for (int i = 0; i < 2; i++) {
      ComfyEvent.PreviewImage image = await(ComfyEvent.PreviewImage.class, p -> true);
      assertThat(image.event()).isEqualTo(4);
      assertThat(image.mimeType()).isEqualTo("image/png");
      assertThat(image.promptId()).contains(promptId);
      assertThat(image.nodeId()).contains("save_ws");
    }
    await(ComfyEvent.Executing.class, e -> e.isFinished() && e.promptId().orElseThrow().equals(promptId));
  }

  @Test
  void oldServerIsDetectedAndItsOwnPromptIdAndLegacyFramesAreHandled() throws Exception {
    FakeComfyUi fake = fake(FakeComfyUi.builder().oldServer(true));
    ComfyClient client = client(fake);

    ServerInfo info = client.serverInfo();
    assertThat(info.supportsFeatureFlags()).isFalse();
    assertThat(info.supportsClientPromptId()).isFalse();
    assertThat(info.supportsTargetedInterrupt()).isFalse();
    assertThat(info.version()).isEmpty();

    client.connect(recorder);
    awaitMarker("connected");
    awaitRegistered();
    String ours = newPromptId();
    SubmitResult.Accepted accepted = (SubmitResult.Accepted) client.submit(
        request("workflow-api-emptyimage-saveimagewebsocket.json", client.clientId(), ours));
    String theirs = accepted.promptId();
    assertThat(theirs).isNotEqualTo(ours); // old servers ignore prompt_id: switch to theirs (protocol §15)

    ComfyEvent.PreviewImage image = await(ComfyEvent.PreviewImage.class, p -> true);
    assertThat(image.event()).isEqualTo(1);
    assertThat(image.mimeType()).isEqualTo("image/png");
    assertThat(image.promptId()).isEmpty();
    await(ComfyEvent.Executing.class, e -> e.isFinished() && e.promptId().orElseThrow().equals(theirs));
  }

  @Test
  void afterSocketsDropTheReconnectedSocketStillReceivesEventsDespiteTheServersRaceBug() throws Exception {
    FakeComfyUi fake = fake(FakeComfyUi.builder().reconnectRaceBug(true));
    ComfyClient client = client(fake);
    client.connect(recorder);
    awaitMarker("connected");

    awaitRegistered();
    fake.dropSockets();
    awaitMarker("disconnected");
    awaitMarker("reconnected");
    awaitRegistered();
    String promptId = newPromptId();
    client.submit(request("workflow-api-emptyimage-saveimage.json", client.clientId(), promptId));

    // With the race bug the fake unregisters the id when a replaced socket closes late (§4); the client reconnects
    // only after its old socket is gone (a socket the server dropped had its cleanup then), so the new one keeps
    // getting events. (The close-before-open order itself is asserted in
    // ComfyClientWebSocketTest, where the server's view of both sockets is visible.)
    await(ComfyEvent.Executing.class, e -> e.isFinished() && e.promptId().orElseThrow().equals(promptId));
    fake.awaitOpenSockets(1, WAIT); // the server may notice the dropped socket's end after the prompt ran
  }

  @Test
  void validationFailureFromTheFakeIsRejectedWithNodeErrors() throws Exception {
    FakeComfyUi fake = fake(FakeComfyUi.builder());
    ComfyClient client = client(fake);
    ObjectNode graph = (ObjectNode) Fixtures.json("workflow-api-emptyimage-saveimage.json");
    ((ObjectNode) graph.path("1").path("inputs")).put("width", 20000);
    ObjectNode body = Json.JSON.createObjectNode();
    body.set("prompt", graph);
    body.put("client_id", client.clientId());
    body.put("prompt_id", newPromptId());

    SubmitResult result = client.submit(Json.JSON.writeValueAsBytes(body));

    assertThat(result).isInstanceOfSatisfying(SubmitResult.Rejected.class, r -> {
      assertThat(r.errorType()).isEqualTo("prompt_outputs_failed_validation");
      JsonNode error = r.nodeErrors().path("1").path("errors").path(0);
      assertThat(error.path("type").asText()).isEqualTo("value_bigger_than_max");
      assertThat(r.summary()).contains("node 1").contains("20000");
    });
  }

  @Test
  void uploadingADifferentFileUnderATakenNameReturnsTheRenamedName() {
    FakeComfyUi fake = fake(FakeComfyUi.builder());
    ComfyClient client = client(fake);
    byte[] first = Fixtures.image(Fixtures.PNG_MAGIC, 64);
    byte[] second = Fixtures.image(Fixtures.PNG_MAGIC, 65);

    UploadedImage a = client.uploadImage("fox.png", first, false);
    UploadedImage b = client.uploadImage("fox.png", second, false);
    UploadedImage c = client.uploadImage("fox.png", second, true);

    assertThat(a.name()).isEqualTo("fox.png");
    assertThat(b.name()).isEqualTo("fox (1).png");
    assertThat(c.name()).isEqualTo("fox.png");
  }
}
