package io.github.comfylite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.comfylite.errors.PromptFailedException;
import io.github.comfylite.errors.WorkflowException;
import io.github.comfylite.result.FailureKind;
import io.github.comfylite.result.GeneratedImage;
import io.github.comfylite.result.GenerationResult;
import io.github.comfylite.result.Outcome;
import io.github.comfylite.result.ResultSink;
import io.github.comfylite.testkit.FakeComfyUi;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The facade end to end against {@link FakeComfyUi}: every case of protocol §8 and the failure paths of DESIGN §3. */
class ComfyLiteTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final Path WORKFLOWS = Path.of("src/test/resources/tracker");

  private final List<AutoCloseable> toClose = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  private FakeComfyUi fake(Consumer<FakeComfyUi.Builder> options) {
    FakeComfyUi.Builder builder = FakeComfyUi.builder();
    options.accept(builder);
    FakeComfyUi fake = builder.build();
    fake.start();
    toClose.add(fake);
    return fake;
  }

  private FakeComfyUi fake() {
    return fake(b -> {});
  }

  private ComfyLite comfy(FakeComfyUi fake, Consumer<ComfyLite.Builder> options) {
    return comfy(fake.url(), options);
  }

  private ComfyLite comfy(URI url, Consumer<ComfyLite.Builder> options) {
    ComfyLite.Builder builder = ComfyLite.builder()
        .comfyUrl(url)
        .workflowDirectories(WORKFLOWS.resolve("templates"), WORKFLOWS.resolve("configs"));
    options.accept(builder);
    ComfyLite comfy = builder.build();
    toClose.add(comfy);
    return comfy;
  }

  private ComfyLite comfy(FakeComfyUi fake) {
    return comfy(fake, b -> {});
  }

  /** Submits {@code request} with the fake holding execution, and returns once it is running (before any node). */
  private static PromptHandle submitAndHoldRunning(FakeComfyUi fake, ComfyLite comfy, GenerationRequest request) {
    fake.holdExecution();
    PromptHandle handle = comfy.submit(request);
    fake.awaitRunning(handle.promptId(), WAIT);
    return handle;
  }

  private static GenerationRequest smoke(int count) {
    return GenerationRequest.builder("smoke").param("imageCount", count).param("width", 64).param("height", 48)
        .param("color", (int) (Math.random() * 0xffffff)).build();
  }

  private static GenerationRequest smokeWs(int count) {
    return GenerationRequest.builder("smoke_ws").param("imageCount", count).param("width", 64).param("height", 48)
        .param("color", (int) (Math.random() * 0xffffff)).build();
  }

  /** A sink that records every outcome it receives. */
  private static final class RecordingSink implements ResultSink {
    final BlockingQueue<Outcome> outcomes = new LinkedBlockingQueue<>();

    @Override
    public void deliver(Outcome outcome) {
      outcomes.add(outcome);
    }

    Outcome next() throws InterruptedException {
      Outcome outcome = outcomes.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
      assertThat(outcome).as("an outcome within " + WAIT).isNotNull();
      return outcome;
    }
  }

  /** A listener that records queued, started, finished (and progress, if asked) in order, and keeps previews. */
  private static final class RecordingListener implements ComfyLiteListener {
    final BlockingQueue<String> events = new LinkedBlockingQueue<>();
    final List<Preview> previews = java.util.Collections.synchronizedList(new ArrayList<>());
    final java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);
    private final boolean recordProgress;

    RecordingListener() {
      this(false);
    }

    RecordingListener(boolean recordProgress) {
      this.recordProgress = recordProgress;
    }

    @Override
    public void onQueued(String promptId, int position) {
      events.add("queued");
    }

    @Override
    public void onStarted(String promptId) {
      events.add("started");
      started.countDown();
    }

    @Override
    public void onProgress(String promptId, Progress progress) {
      if (recordProgress) {
        events.add("progress");
      }
    }

    @Override
    public void onPreview(String promptId, Preview preview) {
      previews.add(preview);
    }

    @Override
    public void onFinished(String promptId, Outcome outcome) {
      events.add("finished");
    }
  }

  private static com.fasterxml.jackson.databind.node.ObjectNode graph(String template) {
    try {
      return (com.fasterxml.jackson.databind.node.ObjectNode) io.github.comfylite.internal.Json.JSON.readTree(
          WORKFLOWS.resolve("templates").resolve(template + ".json").toFile());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static PromptFailedException failure(CompletableFuture<GenerationResult> future) {
    assertThat(future).failsWithin(WAIT);
    return (PromptFailedException) future.handle((r, e) -> e instanceof java.util.concurrent.CompletionException
        ? e.getCause() : e).join();
  }

  // ---------------------------------------------------------------------------------------------------------------

  @Test
  void normalRunWithSaveImageDeliversTheFileToEverySink() throws Exception {
    FakeComfyUi fake = fake();
    RecordingSink global = new RecordingSink();
    RecordingSink perRequest = new RecordingSink();
    RecordingListener listener = new RecordingListener();
    ComfyLite comfy = comfy(fake, b -> b.addSink(global).listener(listener));

    PromptHandle handle = comfy.submit(smoke(1).toBuilder().addSink(perRequest).build());

    assertThat(handle.result()).succeedsWithin(WAIT);
    GenerationResult result = handle.result().join();
    assertThat(result.promptId()).isEqualTo(handle.promptId());
    assertThat(result.workflow()).isEqualTo("smoke");
    assertThat(result.images()).hasSize(1);
    GeneratedImage image = result.images().get(0);
    assertThat(image.mimeType()).isEqualTo("image/png");
    assertThat(image.nodeId()).isEqualTo("2");
    assertThat(image.file()).get().extracting(GeneratedImage.FileRef::type).isEqualTo("output");
    assertThat(global.next().asSucceeded().result()).isSameAs(result);
    assertThat(perRequest.next().asSucceeded().result()).isSameAs(result);
    assertThat(handle.outcome().join().isSucceeded()).isTrue();
    assertThat(listener.events.poll(5, TimeUnit.SECONDS)).isEqualTo("queued");
    assertThat(listener.events.poll(5, TimeUnit.SECONDS)).isEqualTo("started");
    assertThat(listener.events.poll(5, TimeUnit.SECONDS)).isEqualTo("finished");
    assertThat(comfy.status(handle.promptId())).get().extracting(PromptStatus::state)
        .isEqualTo(PromptStatus.State.SUCCEEDED);
    assertThat(comfy.inFlight()).isZero();
  }

  @Test
  void aRunWhoseEventsNameEveryOutputFileNeedsNoHistoryRoundTrip() {
    FakeComfyUi fake = fake();
    ComfyLite comfy = comfy(fake);

    CompletableFuture<GenerationResult> result = comfy.generate(smoke(3));

    assertThat(result).succeedsWithin(WAIT);
    assertThat(result.join().images()).hasSize(3)
        .extracting(i -> i.file().orElseThrow().filename()).isSorted().doesNotHaveDuplicates();
    // execution_success and an executed event for the SaveImage node told us everything: one /view per file and no
    // /history, which saves a round trip on every prompt.
    assertThat(fake.requestCount("/view")).isEqualTo(3);
    assertThat(fake.requestCount("/history")).isZero();
  }

  @Test
  void promptsThatFinishBeforeTheirPostReplyIsHandledAreNotCancelledInComfyUi() {
    FakeComfyUi fake = fake();
    ComfyLite comfy = comfy(fake);
    List<CompletableFuture<GenerationResult>> results = new ArrayList<>();

    // Zero-time prompts, many at once: some end (executing null, files downloaded) before the tracker has handled the
    // reply to their POST, which must not be mistaken for "ended on our side while the POST was in flight".
    for (int i = 0; i < 100; i++) {
      results.add(comfy.generate(smoke(1)));
    }

    assertThat(CompletableFuture.allOf(results.toArray(CompletableFuture[]::new))).succeedsWithin(WAIT);
    assertThat(fake.requestCount("/view")).isEqualTo(100);
    assertThat(fake.requestCount("/history")).isZero();
    assertThat(fake.requestCount("/queue")).isZero();
    assertThat(fake.requestCount("/interrupt")).isZero();
  }

  @Test
  void aDownloadThatFailsAfterExecutedIsFetchedAgainThroughTheHistory() {
    FakeComfyUi fake = fake();
    ComfyLite comfy = comfy(fake);
    fake.failNextRequests("/view", 1);

    CompletableFuture<GenerationResult> result = comfy.generate(smoke(1));

    assertThat(result).succeedsWithin(WAIT);
    assertThat(result.join().images()).hasSize(1);
    assertThat(result.join().images().get(0).mimeType()).isEqualTo("image/png");
    // The early download got the 500; the history path asked again and got the file.
    assertThat(fake.requestCount("/view")).isEqualTo(2);
    assertThat(fake.requestCount("/history")).isPositive();
  }

  @Test
  void listenerHearsQueuedStartedProgressFinishedInOrderEvenWhenTheRunBeatsThePostReply() throws Exception {
    FakeComfyUi fake = fake();
    RecordingListener listener = new RecordingListener(true);
    // Hold ComfyUI's reply to POST /prompt until the run has started, so execution_start and the first progress
    // reach the tracker before the reply does (protocol §4: HTTP replies and socket messages are not ordered).
    okhttp3.OkHttpClient http = new okhttp3.OkHttpClient.Builder().addInterceptor(chain -> {
      okhttp3.Response response = chain.proceed(chain.request());
      if (chain.request().method().equals("POST") && chain.request().url().encodedPath().endsWith("/prompt")) {
        try {
          assertThat(listener.started.await(WAIT.toSeconds(), TimeUnit.SECONDS)).as("started before the POST reply")
              .isTrue();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return response;
    }).build();
    toClose.add(() -> http.dispatcher().executorService().shutdown());
    ComfyLite comfy = comfy(fake, b -> b.okHttpClient(http).listener(listener));

    PromptHandle handle = comfy.submit(smoke(1));

    assertThat(handle.result()).succeedsWithin(WAIT);
    List<String> heard = new ArrayList<>();
    while (heard.isEmpty() || !heard.get(heard.size() - 1).equals("finished")) {
      String event = listener.events.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
      assertThat(event).as("the next event after " + heard).isNotNull();
      heard.add(event);
    }
    assertThat(heard).startsWith("queued", "started", "progress").endsWith("finished");
    assertThat(heard.subList(2, heard.size() - 1)).containsOnly("progress");
  }

  @Test
  void batchOfFourDeliversFourImagesInOrder() {
    ComfyLite comfy = comfy(fake());

    CompletableFuture<GenerationResult> result = comfy.generate(smoke(4));

    assertThat(result).succeedsWithin(WAIT);
    List<GeneratedImage> images = result.join().images();
    assertThat(images).hasSize(4);
    assertThat(images).extracting(i -> i.file().orElseThrow().filename()).isSorted().doesNotHaveDuplicates();
  }

  @Test
  void saveImageWebsocketMetadataFramesAreResultsAndLivePreviewsAreNot() {
    FakeComfyUi fake = fake(b -> b.livePreviews(true));
    RecordingListener listener = new RecordingListener();
    ComfyLite comfy = comfy(fake, b -> b.listener(listener));

    CompletableFuture<GenerationResult> result = comfy.generate(GenerationRequest.builder("starter_ws")
        .param("prompt", "a lighthouse").param("imageCount", 2).param("steps", 3).param("width", 64)
        .param("height", 64).build());

    assertThat(result).succeedsWithin(WAIT);
    assertThat(result.join().images()).hasSize(2).allSatisfy(image -> {
      assertThat(image.mimeType()).isEqualTo("image/png");
      assertThat(image.nodeId()).isEqualTo("10");
      assertThat(image.file()).isEmpty();
    });
    assertThat(listener.previews).isNotEmpty().allSatisfy(p -> assertThat(p.mimeType()).isEqualTo("image/jpeg"));
  }

  @Test
  void saveImageWebsocketLegacyFramesOnAnOldServerAreResultsAndLivePreviewsAreNot() {
    FakeComfyUi fake = fake(b -> b.livePreviews(true).oldServer(true));
    RecordingListener listener = new RecordingListener();
    ComfyLite comfy = comfy(fake, b -> b.listener(listener));

    PromptHandle handle = comfy.submit(GenerationRequest.builder("starter_ws")
        .param("prompt", "a lighthouse").param("imageCount", 3).param("steps", 2).param("width", 64)
        .param("height", 64).build());

    assertThat(handle.result()).succeedsWithin(WAIT);
    assertThat(handle.result().join().images()).hasSize(3)
        .allSatisfy(image -> assertThat(image.mimeType()).isEqualTo("image/png"));
    assertThat(handle.result().join().promptId()).isEqualTo(handle.promptId());
    assertThat(listener.previews).isNotEmpty().allSatisfy(p -> assertThat(p.mimeType()).isEqualTo("image/jpeg"));
  }

  @Test
  void oldServerIgnoringOurPromptIdStillDeliversUnderItsOwnId() {
    FakeComfyUi fake = fake(b -> b.oldServer(true));
    ComfyLite comfy = comfy(fake);

    PromptHandle handle = comfy.submit(smoke(2));

    assertThat(handle.result()).succeedsWithin(WAIT);
    assertThat(handle.result().join().images()).hasSize(2);
    assertThat(handle.result().join().promptId()).isEqualTo(handle.promptId());
    assertThat(fake.receivedPrompts()).extracting(io.github.comfylite.testkit.ReceivedPrompt::promptId).contains(handle.promptId());
    // No execution_success before 2024-07: the history tells how the run ended and which files it made.
    assertThat(fake.requestCount("/history")).isPositive();
  }

  @Test
  void fullyCachedRerunStillDeliversTheImagesFromHistory() {
    ComfyLite comfy = comfy(fake());
    GenerationRequest request = smoke(2);

    assertThat(comfy.generate(request)).succeedsWithin(WAIT);
    CompletableFuture<GenerationResult> again = comfy.generate(request);

    assertThat(again).succeedsWithin(WAIT);
    assertThat(again.join().images()).hasSize(2);
  }

  @Test
  void validationErrorReachesEverySinkWithTheNodeErrors() throws Exception {
    RecordingSink sink = new RecordingSink();
    ComfyLite comfy = comfy(fake(), b -> b.addSink(sink));

    PromptHandle handle = comfy.submit(GenerationRequest.builder("bad_sampler").param("prompt", "x").build());

    // Already decided when submit returns.
    assertThat(handle.outcome()).isCompleted();
    Outcome.Failed failed = handle.outcome().join().asFailed();
    assertThat(failed.kind()).isEqualTo(FailureKind.VALIDATION);
    assertThat(failed.message()).contains("node 3 (KSampler)").contains("sampler_name: 'euler_x'");
    assertThat(failed.details().has("3")).isTrue();
    assertThat(sink.next()).isEqualTo(failed);
    assertThat(failure(handle.result()).kind()).isEqualTo(FailureKind.VALIDATION);
    assertThat(comfy.inFlight()).isZero();
  }

  @Test
  void unknownWorkflowIsRejectedBeforeAnythingIsSubmitted() {
    RecordingSink sink = new RecordingSink();
    FakeComfyUi fake = fake();
    ComfyLite comfy = comfy(fake, b -> b.addSink(sink));

    assertThatThrownBy(() -> comfy.submit(GenerationRequest.builder("nope").build()))
        .isInstanceOf(WorkflowException.class);
    assertThat(sink.outcomes).isEmpty();
    assertThat(fake.receivedPrompts()).isEmpty();
  }

  @Test
  void runtimeExceptionReachesTheSinksWithNodeIdTypeAndMessage() throws Exception {
    FakeComfyUi fake = fake();
    fake.failNode("1", "RuntimeError", "not enough memory: you tried to allocate 1 bytes.");
    RecordingSink sink = new RecordingSink();
    ComfyLite comfy = comfy(fake, b -> b.addSink(sink));

    PromptHandle handle = comfy.submit(smoke(1));

    PromptFailedException e = failure(handle.result());
    assertThat(e.kind()).isEqualTo(FailureKind.EXECUTION);
    assertThat(e.nodeId()).contains("1");
    assertThat(e.nodeType()).contains("EmptyImage");
    assertThat(e.getMessage()).contains("not enough memory");
    Outcome.Failed failed = sink.next().asFailed();
    assertThat(failed.nodeId()).contains("1");
    assertThat(failed.nodeType()).contains("EmptyImage");
    assertThat(failed.message()).contains("RuntimeError").contains("not enough memory");
  }

  @Test
  void interruptBySomeoneElseEndsAsInterrupted() throws Exception {
    FakeComfyUi fake = fake();
    ComfyLite comfy = comfy(fake);
    PromptHandle handle = submitAndHoldRunning(fake, comfy, smoke(1));

    fake.interrupt();
    fake.releaseExecution();

    assertThat(failure(handle.result()).kind()).isEqualTo(FailureKind.INTERRUPTED);
  }

  @Test
  void cancelWhileQueuedRemovesItFromTheQueueAndEndsAsCancelled() throws Exception {
    FakeComfyUi fake = fake();
    fake.pauseQueue();
    RecordingSink sink = new RecordingSink();
    ComfyLite comfy = comfy(fake, b -> b.addSink(sink));
    PromptHandle handle = comfy.submit(smoke(1));

    assertThat(comfy.cancel(handle.promptId())).isTrue();

    assertThat(sink.next().asFailed().kind()).isEqualTo(FailureKind.CANCELLED);
    assertThat(handle.outcome().join().asFailed().kind()).isEqualTo(FailureKind.CANCELLED);
    fake.resumeQueue();
    fake.awaitIdle(WAIT);
    assertThat(fake.completedPrompts()).isZero();
    assertThat(comfy.cancel(handle.promptId())).isFalse();
  }

  @Test
  void statusShowsTheZeroBasedQueuePositionOfEachQueuedPrompt() throws Exception {
    FakeComfyUi fake = fake();
    fake.pauseQueue();
    ComfyLite comfy = comfy(fake);
    List<PromptHandle> handles = List.of(comfy.submit(smoke(1)), comfy.submit(smoke(1)), comfy.submit(smoke(1)));

    for (int i = 0; i < handles.size(); i++) {
      PromptStatus status = comfy.status(handles.get(i).promptId()).orElseThrow();
      assertThat(status.state()).isEqualTo(PromptStatus.State.QUEUED);
      assertThat(status.queuePosition()).as("position of prompt %d", i).hasValue(i);
    }

    fake.resumeQueue();
    assertThat(handles.get(2).result()).succeedsWithin(WAIT);
    assertThat(comfy.status(handles.get(2).promptId())).get().satisfies(s -> {
      assertThat(s.state()).isEqualTo(PromptStatus.State.SUCCEEDED);
      assertThat(s.queuePosition()).isEmpty();
    });
  }

  @Test
  void cancellingTheFutureWhileRunningInterruptsOnlyThatPrompt() throws Exception {
    FakeComfyUi fake = fake();
    RecordingSink sink = new RecordingSink();
    ComfyLite comfy = comfy(fake, b -> b.addSink(sink));
    PromptHandle handle = submitAndHoldRunning(fake, comfy, smoke(1));

    assertThat(handle.result().cancel(true)).isTrue();
    fake.releaseExecution();

    Outcome.Failed failed = sink.next().asFailed();
    assertThat(failed.kind()).isEqualTo(FailureKind.CANCELLED);
    assertThat(handle.result()).isCancelled();
  }

  @Test
  void socketDroppedMidRunStillDeliversTheResultFromHistory() throws Exception {
    FakeComfyUi fake = fake();
    ComfyLite comfy = comfy(fake);
    PromptHandle handle = submitAndHoldRunning(fake, comfy, smoke(2));
    fake.awaitOpenSockets(1, WAIT); // the client connects in the background: drop its socket, not nothing

    fake.dropSockets();
    fake.releaseExecution();

    assertThat(handle.result()).succeedsWithin(WAIT);
    assertThat(handle.result().join().images()).hasSize(2);
  }

  @Test
  void socketDroppedDuringTheFinishStillDeliversTheResultFromHistory() {
    FakeComfyUi fake = fake();
    ComfyLite comfy = comfy(fake);
    PromptHandle handle = submitAndHoldRunning(fake, comfy, smoke(1));
    fake.awaitOpenSockets(1, WAIT); // the drop is armed on the sockets open now

    // The next status is the one sent after the history entry is written: execution_success has arrived, the
    // socket drops before executing{node:null}.
    fake.dropSocketsBefore("status");
    fake.releaseExecution();

    assertThat(handle.result()).succeedsWithin(WAIT);
    assertThat(handle.result().join().images()).hasSize(1);
  }

  @Test
  void historyCheckAfterAReconnectThatOvertakesTheRunsLastFramesDoesNotLoseThem() throws Exception {
    FakeComfyUi fake = fake();
    fake.setNodeExecutionTime("SaveImageWebsocket", Duration.ofHours(1)); // ended by releaseExecution
    GatedSockets sockets = new GatedSockets();
    java.util.concurrent.CountDownLatch queueHeld = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch releaseQueue = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.atomic.AtomicBoolean holdQueue = new java.util.concurrent.atomic.AtomicBoolean();
    java.util.concurrent.atomic.AtomicReference<Thread> historyThread = new java.util.concurrent.atomic.AtomicReference<>();
    okhttp3.OkHttpClient http = new okhttp3.OkHttpClient.Builder().socketFactory(sockets).addInterceptor(chain -> {
      String path = chain.request().url().encodedPath();
      if (path.endsWith("/queue") && chain.request().method().equals("GET") && holdQueue.getAndSet(false)) {
        queueHeld.countDown();
        try {
          assertThat(releaseQueue.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      if (path.contains("/history/")) {
        historyThread.set(Thread.currentThread());
      }
      return chain.proceed(chain.request());
    }).build();
    toClose.add(() -> http.dispatcher().executorService().shutdown());
    ComfyLite comfy = comfy(fake, b -> b.okHttpClient(http));
    PromptHandle handle = submitAndHoldRunning(fake, comfy, smokeWs(1));

    // The socket drops while the prompt runs; the check the reconnect starts waits at GET /queue.
    fake.awaitOpenSockets(1, WAIT);
    holdQueue.set(true);
    fake.dropSockets();
    assertThat(queueHeld.await(WAIT.toSeconds(), TimeUnit.SECONDS)).as("the reconnect's queue check").isTrue();
    fake.awaitOpenSockets(1, WAIT);
    // The SaveImageWebsocket node starts on the new socket, and we hear it.
    fake.releaseExecution();
    awaitCondition(() -> comfy.status(handle.promptId()).flatMap(PromptStatus::progress)
        .map(p -> p.nodeId().equals("save_ws")).orElse(false), "the SaveImageWebsocket node started");
    // Its frames and the finish are sent to the new socket, but stay unread until the queue check has decided.
    sockets.closeLastWebSocket();
    fake.releaseExecution();
    fake.awaitIdle(WAIT);
    releaseQueue.countDown();
    awaitCondition(() -> historyThread.get() != null && idleInPool(historyThread.get()),
        "the queue check handed its verdict to the event loop");
    comfy.status(handle.promptId()); // a call on the event loop: returns after the verdict was applied
    sockets.open();

    assertThat(handle.result()).succeedsWithin(WAIT);
    assertThat(handle.result().join().images()).hasSize(1);
  }

  /** Whether {@code thread} is back in its pool waiting for work, that is, it finished its task. */
  private static boolean idleInPool(Thread thread) {
    if (thread.getState() != Thread.State.WAITING && thread.getState() != Thread.State.TIMED_WAITING) {
      return false;
    }
    for (StackTraceElement frame : thread.getStackTrace()) {
      if (frame.getClassName().equals(java.util.concurrent.ThreadPoolExecutor.class.getName())
          && frame.getMethodName().equals("getTask")) {
        return true;
      }
    }
    return false;
  }

  private static void awaitCondition(java.util.function.BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime() < deadline).as(what + " within " + WAIT).isTrue();
      Thread.onSpinWait();
    }
  }

  /**
   * Runs a SaveImageWebsocket prompt so that the check after a reconnect finds it finished in the history while its
   * frames, sent to the new socket, are still held back by the fake; returns once the tracker waits for them. The
   * socket drops before the run starts; the check after the reconnect fails once (retried a second later), and
   * meanwhile the whole run happens with every frame held.
   */
  private PromptHandle finishWithItsFramesHeldAfterAReconnect(FakeComfyUi fake, ComfyLite comfy, int images) {
    LogRecorder trackerLog = new LogRecorder(io.github.comfylite.tracker.PromptTracker.class.getName());
    toClose.add(trackerLog);
    PromptHandle handle = submitAndHoldRunning(fake, comfy, smokeWs(images));
    long queueChecks = fake.requestCount("/queue");
    long historyChecks = fake.requestCount("/history");
    fake.holdSocketFrames();
    fake.failNextRequests("/queue", 1);
    fake.dropSockets();
    awaitCondition(() -> fake.requestCount("/queue") > queueChecks, "the check after the reconnect");
    fake.releaseExecution();
    fake.awaitIdle(WAIT);
    awaitCondition(() -> fake.requestCount("/history") > historyChecks, "the retried check reading the history");
    // Only once the tracker has that answer in hand may the test go on, or the frames could win the race by chance.
    awaitCondition(() -> trackerLog.contains("waiting up to"), "the tracker to wait for the frames");
    return handle;
  }

  @Test
  void saveImageWebsocketFramesStillOnTheWayWhenAReconnectCheckFindsTheHistoryAreNotCalledLost() {
    FakeComfyUi fake = fake();
    PromptHandle handle = finishWithItsFramesHeldAfterAReconnect(fake, comfy(fake), 2);

    fake.releaseSocketFrames();

    assertThat(handle.result()).succeedsWithin(WAIT);
    assertThat(handle.result().join().images()).hasSize(2).allMatch(i -> i.mimeType().equals("image/png"));
  }

  @Test
  void aRestartWhileWaitingForTheFramesOfAPromptTheHistoryShowedFinishedDoesNotMakeItLost() {
    FakeComfyUi fake = fake();
    PromptHandle handle = finishWithItsFramesHeldAfterAReconnect(fake, comfy(fake), 1);

    // The restart forgets the history and the frames never come; the check after the next reconnect finds the
    // prompt nowhere. It did finish, and the history entry read before says so: its images went with the socket.
    fake.restart();

    assertThat(handle.outcome()).succeedsWithin(WAIT);
    Outcome outcome = handle.outcome().join();
    assertThat(outcome.asFailed().kind()).isEqualTo(FailureKind.NO_RESULT);
    assertThat(outcome.asFailed().message()).contains("SaveImageWebsocket images", "connection to ComfyUI was down");
  }

  @Test
  void promptsSubmittedRightAfterTheReconnectThatFollowsADropBeforeExecutedAreHeard() {
    FakeComfyUi fake = fake();
    ComfyLite comfy = comfy(fake);
    fake.awaitOpenSockets(1, WAIT);
    fake.dropSocketsBefore("executed");
    PromptHandle dropped = comfy.submit(smoke(1));
    assertThat(dropped.result()).succeedsWithin(WAIT); // from the history, after the reconnect
    awaitCondition(() -> comfy.connectionState() == io.github.comfylite.client.ConnectionState.CONNECTED,
        "the reconnect");

    // The soak once left prompts like these unfinished: the fake registered the new socket only after its 101, so
    // they ran before anyone could hear them and no reconnect came to check on them.
    List<PromptHandle> after = List.of(comfy.submit(smoke(1)), comfy.submit(smoke(1)), comfy.submit(smoke(1)));

    for (PromptHandle handle : after) {
      assertThat(handle.result()).succeedsWithin(WAIT);
    }
  }

  @Test
  void saveImageWebsocketFramesLostWithTheSocketFailClearly() {
    FakeComfyUi fake = fake();
    ComfyLite comfy = comfy(fake);
    // The drop is armed on the sockets open now: wait for ours (the client connects in the background).
    fake.awaitOpenSockets(1, WAIT);
    fake.dropSocketsBefore("binary");

    PromptHandle handle = comfy.submit(smokeWs(2));

    PromptFailedException e = failure(handle.result());
    assertThat(e.kind()).isEqualTo(FailureKind.NO_RESULT);
    assertThat(e.getMessage()).contains("SaveImageWebsocket").contains("connection");
  }

  @Test
  void promptsAComfyUiRestartForgetsEndAsLost() throws Exception {
    FakeComfyUi fake = fake();
    ComfyLite comfy = comfy(fake);
    PromptHandle handle = submitAndHoldRunning(fake, comfy, smoke(1));

    fake.restart();

    PromptFailedException e = failure(handle.result());
    assertThat(e.kind()).isEqualTo(FailureKind.LOST);
    assertThat(e.getMessage()).isEqualTo("ComfyUI no longer knows prompt " + handle.promptId()
        + " (was it restarted?)");
  }

  @Test
  void comfyUiDownAtSubmitIsUnavailableAtOnce() throws Exception {
    URI nobody;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      nobody = URI.create("http://127.0.0.1:" + socket.getLocalPort());
    }
    RecordingSink sink = new RecordingSink();
    ComfyLite comfy = comfy(nobody, b -> b.addSink(sink));

    PromptHandle handle = comfy.submit(smoke(1));

    assertThat(handle.outcome()).isCompleted();
    assertThat(handle.outcome().join().asFailed().kind()).isEqualTo(FailureKind.UNAVAILABLE);
    assertThat(sink.next().asFailed().kind()).isEqualTo(FailureKind.UNAVAILABLE);
    assertThat(comfy.inFlight()).isZero();
  }

  @Test
  void overallTimeoutEndsThePromptAndCancelsItInComfyUi() throws Exception {
    FakeComfyUi fake = fake();
    fake.holdExecution();
    ComfyLite comfy = comfy(fake);

    PromptHandle handle = comfy.submit(smoke(1).toBuilder().timeout(Duration.ofMillis(300)).build());

    PromptFailedException e = failure(handle.result());
    assertThat(e.kind()).isEqualTo(FailureKind.TIMEOUT);
    fake.releaseExecution();
    fake.awaitIdle(WAIT);
  }

  @Test
  void twoHundredPromptsInFlightAllSucceed() {
    FakeComfyUi fake = fake();
    fake.pauseQueue();
    ComfyLite comfy = comfy(fake);
    List<CompletableFuture<GenerationResult>> results = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      results.add(comfy.generate(smoke(1)));
    }
    assertThat(comfy.inFlight()).isEqualTo(200);

    fake.resumeQueue();

    assertThat(CompletableFuture.allOf(results.toArray(CompletableFuture[]::new))).succeedsWithin(Duration.ofSeconds(60));
    assertThat(results).allSatisfy(r -> assertThat(r.join().images()).hasSize(1));
    assertThat(results.stream().map(r -> r.join().promptId()).distinct()).hasSize(200);
    assertThat(comfy.inFlight()).isZero();
  }

  @Test
  void closeEndsPendingPromptsAsCancelledOnEverySink() throws Exception {
    FakeComfyUi fake = fake();
    fake.pauseQueue();
    RecordingSink sink = new RecordingSink();
    ComfyLite comfy = comfy(fake, b -> b.addSink(sink));
    PromptHandle first = comfy.submit(smoke(1));
    PromptHandle second = comfy.submit(smoke(1));

    comfy.close();

    for (PromptHandle handle : List.of(first, second)) {
      assertThat(handle.outcome()).isCompleted();
      Outcome.Failed failed = handle.outcome().join().asFailed();
      assertThat(failed.kind()).isEqualTo(FailureKind.CANCELLED);
      assertThat(failed.message()).isEqualTo("ComfyLite was closed");
    }
    assertThat(List.of(sink.next(), sink.next())).extracting(Outcome::promptId)
        .containsExactlyInAnyOrder(first.promptId(), second.promptId());
    assertThatThrownBy(() -> comfy.submit(smoke(1))).isInstanceOf(IllegalStateException.class);
    comfy.close(); // idempotent
  }

  @Test
  void aFailingSinkDoesNotKeepTheOutcomeFromTheOthers() throws Exception {
    RecordingSink after = new RecordingSink();
    ComfyLite comfy = comfy(fake(), b -> b.addSink(o -> {
      throw new IllegalStateException("boom");
    }).addSink(after));

    PromptHandle handle = comfy.submit(smoke(1));

    assertThat(handle.result()).succeedsWithin(WAIT);
    assertThat(after.next().isSucceeded()).isTrue();
  }

  @Test
  void foreignPromptsFramesNeverCountAsOurs() {
    FakeComfyUi fake = fake(b -> b.livePreviews(true));
    ComfyLite comfy = comfy(fake);
    fake.pauseQueue();
    CompletableFuture<GenerationResult> ours = comfy.generate(smokeWs(1));
    fake.submitForeignPrompt(graph("smoke_ws"), false);
    fake.resumeQueue();

    assertThat(ours).succeedsWithin(WAIT);
    assertThat(ours.join().images()).hasSize(1);
  }

  @Test
  void builderRejectsABlankClientIdAndNegativeRetentionNamingTheSetting() {
    assertThatThrownBy(() -> ComfyLite.builder().clientId(" "))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("clientId must not be blank");
    assertThatThrownBy(() -> ComfyLite.builder().retainFinished(-1, 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("retainFinished").hasMessageContaining("-1");
  }
}
