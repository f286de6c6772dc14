package io.github.comfylite.tracker;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.comfylite.client.ComfyClient;
import io.github.comfylite.client.ComfyEvent;
import io.github.comfylite.client.ComfyEventListener;
import io.github.comfylite.client.ConnectionState;
import io.github.comfylite.client.HistoryEntry;
import io.github.comfylite.client.QueueSnapshot;
import io.github.comfylite.client.SubmitResult;
import io.github.comfylite.client.UploadedImage;
import io.github.comfylite.errors.ComfyHttpException;
import io.github.comfylite.errors.ComfyIoException;
import io.github.comfylite.errors.ComfyLiteException;
import io.github.comfylite.internal.Checks;
import io.github.comfylite.internal.NamedThreadFactory;
import io.github.comfylite.result.FailureKind;
import io.github.comfylite.result.GeneratedImage;
import io.github.comfylite.result.GenerationResult;
import io.github.comfylite.result.Outcome;
import io.github.comfylite.result.ResultSink;
import io.github.comfylite.workflow.BuiltWorkflow;
import io.github.comfylite.workflow.ImageUpload;
import io.github.comfylite.workflow.OutputKind;
import io.github.comfylite.workflow.OutputNode;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Follows prompts through ComfyUI and delivers exactly one {@link Outcome} per prompt to each of its sinks. The engine
 * behind {@code ComfyLite}; applications use the facade, not this class.
 *
 * <p>Threads (all daemon, all owned and stopped by {@link #close()}):
 * <ul>
 *   <li>{@code comfylite-events}: one thread that owns every prompt's state. WebSocket events (parsed by the client on
 *       OkHttp's reader thread), HTTP replies and timeouts reach it as messages; it never blocks and never runs user
 *       code.
 *   <li>{@code comfylite-io}: a bounded pool for blocking HTTP to ComfyUI ({@code /history}, {@code /view},
 *       {@code /queue}, {@code /interrupt}); results go back to the event loop as messages.
 *   <li>{@code comfylite-scheduler}: overall timeouts and retry delays.
 * </ul>
 * Sinks and observers run on the callback executor given to the builder, serialized per prompt.
 *
 * <p>Rules (DESIGN §3, protocol §8): state is registered before the POST; a prompt finishes only on
 * {@code executing} with {@code node: null} and its id (or, after a reconnect, from {@code /history}); file images
 * are fetched with {@code /view}, named by the {@code executed} events when those tell the whole story and by
 * {@code /history} otherwise (see {@link #collect}); SaveImageWebsocket images only from frames of our prompt and of a
 * SaveImageWebsocket node of its graph; silence is never failure, only the overall timeout, ComfyUI's own error
 * events and a prompt ComfyUI no longer knows end a prompt early.
 */
public final class PromptTracker implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(PromptTracker.class.getName());

  /**
   * The text messages {@link #onEventLoop} acts on. The rest (status, progress_state, feature_flags, custom nodes'
   * types) are dropped before they are parsed: progress_state alone is two messages per node, each with every node so
   * far. A type {@code onEventLoop} starts to handle must be added here, or it never arrives.
   */
  private static final Set<String> TRACKED_TYPES = Set.of("executing", "progress", "execution_start",
      "execution_cached", "executed", "execution_success", "execution_error", "execution_interrupted");
  /** Events for ids we do not know yet (a server that ignored our prompt id) are kept this long, in count. */
  private static final int MAX_BUFFERED_EVENTS = 4096;
  /**
   * How long a prompt with SaveImageWebsocket outputs that the history shows finished waits on a new socket for its
   * events before its frames are called lost (see {@link #applyChecks}). Once one of its events arrives there, it
   * waits for its {@code executing} null instead. A prompt that finished while we were away waits the whole time and
   * then ends from the history as before.
   */
  private static final Duration SOCKET_FRAMES_GRACE = Duration.ofSeconds(2);
  private static final int MAX_BUFFERED_IDS = 256;
  private static final long MAX_BUFFERED_BYTES = 64L << 20;
  private static final Duration CLOSE_GRACE = Duration.ofSeconds(10);
  private static final Duration CLOSE_CANCEL_GRACE = Duration.ofSeconds(2);

  private final ComfyClient client;
  private final String clientId;
  private final Executor callbackExecutor;
  private final ThreadPoolExecutor loop;
  private final ExecutorService io;
  private final ScheduledThreadPoolExecutor scheduler;
  private final int retainCount;
  private final long retainBytes;
  private volatile Thread loopThread;

  private final AtomicBoolean closing = new AtomicBoolean();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final PendingTasks deliveries = new PendingTasks();
  private final CompletableFuture<Void> firstAttempt = new CompletableFuture<>();
  private volatile boolean connectedNow;

  // Everything below is confined to the event loop.
  private final Map<String, TrackedPrompt> prompts = new HashMap<>();
  private final LinkedHashMap<String, Finished> recent = new LinkedHashMap<>();
  private long recentBytes;
  private final LinkedHashMap<String, List<ComfyEvent>> unknown = new LinkedHashMap<>();
  private int unknownEvents;
  private long unknownBytes;
  private String lastUnknownExecuting;
  private int submitting;
  private boolean connected;
  /** Incremented on every disconnect: a SaveImageWebsocket node is complete only if it ran within one epoch. */
  private int epoch;
  /** Incremented on every (re)connect. */
  private int connects;
  private TrackedPrompt running;
  private boolean closed;

  private PromptTracker(Builder b) {
    this.client = b.client;
    this.clientId = b.clientId;
    this.callbackExecutor = b.callbackExecutor;
    this.retainCount = b.retainCount;
    this.retainBytes = b.retainBytes;
    NamedThreadFactory loopThreads = new NamedThreadFactory("comfylite-events");
    this.loop = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), r -> {
      Thread t = loopThreads.newThread(r);
      loopThread = t;
      return t;
    });
    this.io = new ThreadPoolExecutor(b.ioThreads, b.ioThreads, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
        new NamedThreadFactory("comfylite-io"));
    ((ThreadPoolExecutor) io).allowCoreThreadTimeOut(true);
    this.scheduler = new ScheduledThreadPoolExecutor(1, new NamedThreadFactory("comfylite-scheduler"));
    scheduler.setRemoveOnCancelPolicy(true);
  }

  /**
   * Starts configuring a tracker over {@code client}.
   *
   * @param client the ComfyUI client; the tracker connects it and closes it in {@link #close()}
   * @param clientId the id the client's socket uses; sent as {@code client_id} in every POST
   * @param callbackExecutor runs sinks and observers (borrowed, never shut down here)
   * @return a builder
   */
  public static Builder builder(ComfyClient client, String clientId, Executor callbackExecutor) {
    return new Builder(client, clientId, callbackExecutor);
  }

  /**
   * Connects the client's WebSocket and waits up to {@code wait} for the first attempt to succeed or fail, so that
   * prompts submitted right after start are not run before we can hear their events. Returns either way: the client
   * keeps reconnecting in the background.
   *
   * @param wait how long to wait for the first connection attempt
   */
  public void start(Duration wait) {
    client.connect(new Listener());
    long deadline = System.nanoTime() + wait.toNanos();
    // The client reports a successful open (onConnected) but not a failed first attempt: watch its state for that.
    while (System.nanoTime() < deadline) {
      try {
        firstAttempt.get(10, TimeUnit.MILLISECONDS);
        return;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (ExecutionException | TimeoutException e) {
        if (client.connectionState() == ConnectionState.DISCONNECTED) {
          LOG.log(Level.INFO, () -> "ComfyUI at " + client.baseUrl() + " is not reachable yet; reconnecting in the"
              + " background");
          return;
        }
      }
    }
  }

  /**
   * The state of the socket to ComfyUI.
   *
   * @return the state at the moment of the call; it may change right after
   */
  public ConnectionState connectionState() {
    return client.connectionState();
  }

  /**
   * Whether the WebSocket is connected right now.
   *
   * @return true if events are flowing at the moment of the call
   */
  public boolean isConnected() {
    return connectedNow;
  }

  /**
   * The number of prompts registered and not ended yet. Any thread.
   *
   * @return the count at the moment of the call
   */
  public int inFlight() {
    return inFlight.get();
  }

  /**
   * Registers the prompt, uploads the graph's image inputs, and POSTs it to ComfyUI, on the calling thread. Blocks
   * only for the uploads and the POST. Events that beat the HTTP reply are not lost: the state exists first.
   *
   * @param promptId our lowercase UUID for the prompt
   * @param built the graph; its uploads are applied here
   * @param sinks where the outcome goes, in order
   * @param observer the prompt's observer, or {@link PromptObserver#NONE}
   * @param timeout the overall timeout, from now
   * @return the final prompt id, and the failure if ComfyUI rejected the prompt or could not be reached
   * @throws IllegalStateException if the tracker is closed
   */
  public Submission submit(String promptId, BuiltWorkflow built, List<ResultSink> sinks, PromptObserver observer,
      Duration timeout) {
    Objects.requireNonNull(promptId, "promptId");
    Objects.requireNonNull(built, "built");
    if (closing.get()) {
      throw new IllegalStateException("ComfyLite is closed");
    }
    TrackedPrompt p = new TrackedPrompt(promptId, built.workflow(), List.copyOf(built.outputs()),
        built.producesImages(), built.graph().size(), built.parameters(), List.copyOf(sinks), observer);
    inFlight.incrementAndGet();
    try {
      p.timeoutTask = scheduler.schedule(() -> post(() -> onTimeout(p, timeout)), timeout.toNanos(),
          TimeUnit.NANOSECONDS);
      loop.execute(() -> register(p));
    } catch (RejectedExecutionException e) {
      inFlight.decrementAndGet();
      throw new IllegalStateException("ComfyLite is closed", e);
    }

    try {
      for (ImageUpload upload : List.copyOf(built.pendingUploads())) {
        UploadedImage stored = client.uploadImage(upload.image().fileName(), upload.image().bytes(), false);
        built.applyUpload(upload, stored.loadImageValue());
      }
      if (closing.get()) {
        // close() has ended (or will end) this prompt as cancelled; do not start work nobody will collect.
        return new Submission(promptId, Optional.empty());
      }
      SubmitResult reply = client.submit(built.toPromptRequest(clientId, promptId));
      if (reply instanceof SubmitResult.Accepted accepted) {
        String serverId = accepted.promptId();
        if (!serverId.equals(promptId)) {
          // An older server ignored our id: re-key before returning so status(serverId) finds the prompt.
          call(() -> {
            accept(p, accepted);
            return null;
          });
        } else {
          post(() -> accept(p, accepted));
        }
        return new Submission(serverId, Optional.empty());
      }
      SubmitResult.Rejected rejected = (SubmitResult.Rejected) reply;
      return failAtSubmit(p, Failures.validation(promptId, p.workflow, rejected.message(), rejected.details(),
          rejected.nodeErrors()));
    } catch (ComfyIoException e) {
      return failAtSubmit(p, Failures.of(promptId, p.workflow, FailureKind.UNAVAILABLE,
          "ComfyUI could not be reached: " + e.getMessage()));
    } catch (ComfyHttpException e) {
      FailureKind kind = e.statusCode() >= 502 ? FailureKind.UNAVAILABLE : FailureKind.VALIDATION;
      return failAtSubmit(p, Failures.of(promptId, p.workflow, kind, "ComfyUI refused the prompt: " + e.getMessage()));
    } catch (RuntimeException e) {
      if (!(e instanceof ComfyLiteException)) {
        LOG.log(Level.ERROR, "submitting prompt " + promptId + " failed unexpectedly", e);
      }
      failAtSubmit(p, Failures.of(promptId, p.workflow, FailureKind.UNAVAILABLE,
          "submitting the prompt failed: " + e));
      throw e;
    }
  }

  private Submission failAtSubmit(TrackedPrompt p, Outcome.Failed failure) {
    Boolean won = call(() -> finish(p, failure));
    return new Submission(p.id, Boolean.TRUE.equals(won) ? Optional.of(failure) : Optional.empty());
  }

  /**
   * Cancels a prompt: deletes it from ComfyUI's queue if pending, interrupts it if running (only it). Its outcome
   * becomes {@code Failed(CANCELLED)}: at once when it was pending or had vanished, when ComfyUI reports it ended
   * otherwise.
   *
   * @param promptId the prompt's id
   * @return whether the prompt was in flight
   */
  public boolean cancel(String promptId) {
    Boolean result = call(() -> cancelOnLoop(promptId));
    return Boolean.TRUE.equals(result);
  }

  /**
   * What the tracker knows about a prompt: in flight, or among the recently finished ones.
   *
   * @param promptId the prompt's id
   * @return the snapshot, or empty when unknown
   */
  public Optional<PromptSnapshot> snapshot(String promptId) {
    Optional<PromptSnapshot> result = call(() -> snapshotOnLoop(promptId));
    return result == null ? Optional.empty() : result;
  }

  /**
   * Ends every prompt in flight with {@code Failed(CANCELLED, "ComfyLite was closed")} (and asks ComfyUI, briefly, to
   * drop them), waits a bounded time for the sinks to receive those outcomes, closes the client and stops the
   * tracker's threads. Idempotent.
   */
  @Override
  public void close() {
    if (!closing.compareAndSet(false, true)) {
      return;
    }
    List<String> accepted = call(this::closeOnLoop);
    if (accepted != null && !accepted.isEmpty() && connectedNow) {
      try {
        io.submit(() -> cancelAllRemote(accepted)).get(CLOSE_CANCEL_GRACE.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (ExecutionException | TimeoutException | RejectedExecutionException e) {
        LOG.log(Level.DEBUG, () -> "could not remove closed prompts from ComfyUI's queue: " + e);
      }
    }
    if (!deliveries.await(CLOSE_GRACE)) {
      LOG.log(Level.WARNING, () -> "close: " + deliveries.count() + " outcome deliveries still running after "
          + CLOSE_GRACE);
    }
    try {
      client.close();
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "closing the ComfyUI client failed", e);
    }
    loop.shutdown();
    io.shutdownNow();
    scheduler.shutdownNow();
    try {
      loop.awaitTermination(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Messages to the loop

  private void post(Runnable task) {
    try {
      loop.execute(() -> {
        try {
          task.run();
        } catch (RuntimeException e) {
          LOG.log(Level.ERROR, "prompt tracker bug; the event loop continues", e);
        }
      });
    } catch (RejectedExecutionException e) {
      LOG.log(Level.DEBUG, "event loop stopped; message dropped");
    }
  }

  /** Runs {@code task} on the loop and waits for its result; {@code null} if the loop has stopped. */
  private <T> T call(Callable<T> task) {
    if (Thread.currentThread() == loopThread) {
      try {
        return task.call();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
    Future<T> future;
    try {
      future = loop.submit(task);
    } catch (RejectedExecutionException e) {
      return null;
    }
    try {
      return future.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(cause);
    }
  }

  private void ioTask(Runnable task) {
    try {
      io.execute(task);
    } catch (RejectedExecutionException e) {
      LOG.log(Level.DEBUG, "I/O pool stopped; task dropped");
    }
  }

  private void schedule(Runnable task, Duration delay) {
    try {
      scheduler.schedule(() -> post(task), delay.toNanos(), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      LOG.log(Level.DEBUG, "scheduler stopped; task dropped");
    }
  }

  /** The client's socket callbacks, on OkHttp's reader thread: hand everything to the loop and return. */
  private final class Listener implements ComfyEventListener {
    @Override
    public void onConnected(boolean reconnected) {
      connectedNow = true;
      firstAttempt.complete(null);
      post(() -> onConnectedLoop(reconnected));
    }

    @Override
    public boolean wants(String type) {
      return TRACKED_TYPES.contains(type);
    }

    @Override
    public void onEvent(ComfyEvent event) {
      post(() -> onEventLoop(event));
    }

    @Override
    public void onDisconnected(Throwable cause) {
      connectedNow = false;
      firstAttempt.complete(null);
      post(() -> onDisconnectedLoop(cause));
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Everything below runs on the event loop.

  private void register(TrackedPrompt p) {
    if (closed) {
      finish(p, Failures.of(p.id, p.workflow, FailureKind.CANCELLED, "ComfyLite was closed"));
      return;
    }
    if (p.finished()) {
      return;
    }
    prompts.put(p.id, p);
    p.awaitingReply = true;
    submitting++;
    p.connectedAtRegister = connected;
    p.connectsAtRegister = connects;
    // Not connected: the prompt may run before we can hear it, so its socket images may be missed.
    p.gap = !connected;
  }

  private void accept(TrackedPrompt p, SubmitResult.Accepted reply) {
    String serverId = reply.promptId();
    if (p.awaitingReply) {
      p.awaitingReply = false;
      submitting--;
    }
    if (!serverId.equals(p.id) && !p.finished()) {
      prompts.remove(p.id);
      LOG.log(Level.DEBUG, () -> "server named prompt " + p.id + " " + serverId + "; re-keyed");
      p.id = serverId;
      prompts.put(serverId, p);
    }
    if (p.finished()) {
      unknownDrop(serverId);
      if (endedByUs(p.outcome)) {
        // Cancelled, timed out or closed while the POST was in flight: nobody will collect it, so drop it in ComfyUI.
        // A prompt that simply ran to its end before the reply came (fast with zero-time nodes) is left alone.
        ioTask(() -> cancelRemoteQuietly(serverId));
      }
      return;
    }
    if (reply.nodeErrors() != null && reply.nodeErrors().isObject() && !reply.nodeErrors().isEmpty()) {
      LOG.log(Level.WARNING, () -> "prompt " + serverId + " was queued with some outputs dropped: "
          + Failures.summarize(reply.nodeErrors()));
    }
    if (p.phase == TrackedPrompt.Phase.SUBMITTING) {
      p.phase = TrackedPrompt.Phase.QUEUED;
    }
    queued(p);
    List<ComfyEvent> early = unknown.remove(serverId);
    if (early != null) {
      unknownEvents -= early.size();
      // Buffered events may have come on an earlier socket: they must not count as reaching the current one.
      int lastEventConnect = p.lastEventConnect;
      for (ComfyEvent event : early) {
        unknownBytes -= sizeOf(event);
        onEventLoop(event);
      }
      p.lastEventConnect = lastEventConnect;
    }
    if (submitting == 0) {
      unknown.clear();
      unknownEvents = 0;
      unknownBytes = 0;
      lastUnknownExecuting = null;
    }
    if (connected && (!p.connectedAtRegister || p.connectsAtRegister != connects) && !p.finished()
        && p.phase != TrackedPrompt.Phase.COLLECTING) {
      // The socket was down or reconnected between registration and now: events may be lost.
      reconcile(List.of(p.id));
    }
  }

  private void onConnectedLoop(boolean reconnected) {
    connected = true;
    connects++;
    LOG.log(Level.DEBUG, () -> "socket " + (reconnected ? "reconnected" : "connected") + "; "
        + prompts.size() + " prompts in flight");
    List<String> toCheck = new ArrayList<>();
    for (TrackedPrompt p : prompts.values()) {
      if (p.phase == TrackedPrompt.Phase.QUEUED || p.phase == TrackedPrompt.Phase.RUNNING) {
        toCheck.add(p.id);
      }
    }
    if (!toCheck.isEmpty()) {
      reconcile(toCheck);
    }
  }

  private void onDisconnectedLoop(Throwable cause) {
    if (!connected) {
      return;
    }
    connected = false;
    epoch++;
    LOG.log(Level.DEBUG, () -> "socket lost (" + cause + "); " + prompts.size() + " prompts in flight");
    for (TrackedPrompt p : prompts.values()) {
      if (p.openSocketNode != null) {
        p.socketFramesLost = true;
        p.openSocketNode = null;
      }
      if (p.phase != TrackedPrompt.Phase.COLLECTING && p.terminal == TrackedPrompt.Terminal.NONE) {
        p.gap = true;
      }
    }
  }

  private void onEventLoop(ComfyEvent e) {
    if (e instanceof ComfyEvent.Executing x) {
      onExecuting(x);
    } else if (e instanceof ComfyEvent.Progress x) {
      onProgress(x);
    } else if (e instanceof ComfyEvent.PreviewImage x) {
      onImage(x);
    } else if (e instanceof ComfyEvent.ExecutionStart x) {
      TrackedPrompt p = lookup(x.promptId(), e);
      if (p != null && active(p)) {
        markStarted(p);
      }
    } else if (e instanceof ComfyEvent.ExecutionCached x) {
      TrackedPrompt p = lookup(x.promptId(), e);
      if (p != null && active(p)) {
        markStarted(p);
        p.cachedCount = x.nodes().size();
      }
    } else if (e instanceof ComfyEvent.Executed x) {
      TrackedPrompt p = lookup(x.promptId(), e);
      if (p != null && active(p)) {
        prefetch(p, x);
      }
    } else if (e instanceof ComfyEvent.ExecutionSuccess x) {
      TrackedPrompt p = lookup(x.promptId(), e);
      if (p != null && active(p)) {
        p.closeSocketNode(epoch);
        p.terminal = TrackedPrompt.Terminal.SUCCESS;
      }
    } else if (e instanceof ComfyEvent.ExecutionError x) {
      TrackedPrompt p = lookup(x.promptId(), e);
      if (p != null && active(p)) {
        if (x.isBlocked()) {
          LOG.log(Level.DEBUG, () -> "prompt " + x.promptId() + ": node " + x.nodeId() + " blocked execution");
          return;
        }
        p.closeSocketNode(epoch);
        p.terminal = TrackedPrompt.Terminal.ERROR;
        p.terminalEvent = x;
      }
    } else if (e instanceof ComfyEvent.ExecutionInterrupted x) {
      TrackedPrompt p = lookup(x.promptId(), e);
      if (p != null && active(p)) {
        p.closeSocketNode(epoch);
        p.terminal = TrackedPrompt.Terminal.INTERRUPTED;
        p.terminalEvent = x;
      }
    }
    // status, feature_flags, progress_state, text and unknown messages carry nothing we need. Images come from
    // the executed events or /history (see collect), and the finish from executing{node:null}.
  }

  /**
   * Notes the files an {@code executed} event names, if they may be results, and starts downloading them: SaveImage
   * writes its files before sending {@code executed} (protocol §5-6), so they need not wait for the finish. See
   * {@link #collect} for when these names are the result and when the history decides.
   */
  private void prefetch(TrackedPrompt p, ComfyEvent.Executed x) {
    if (p.cancelRequested || !p.isFileOutput(x.node())) {
      return;
    }
    // Parsed exactly as the history's outputs are, so both name the same files.
    List<GeneratedImage.FileRef> refs = HistoryEntry.imageRefs(x.output());
    List<Download> batch = new ArrayList<>(refs.size());
    for (GeneratedImage.FileRef ref : refs) {
      if (p.prefetched == null) {
        p.prefetched = new HashMap<>(4);
      }
      if (!p.prefetched.containsKey(ref)) {
        Download download = new Download(() -> client.view(ref));
        p.prefetched.put(ref, download);
        batch.add(download);
      }
    }
    if (p.executedFiles == null) {
      p.executedFiles = new HashMap<>(4);
    }
    p.executedFiles.put(x.node(), refs);
    if (!batch.isEmpty()) {
      // One after another, not all at once: a batch of large images then needs the memory (ours and the server's
      // buffers) of about one download at a time beyond the bytes kept, as fetching at the finish did (DESIGN §8).
      ioTask(() -> batch.forEach(FutureTask::run));
    }
  }

  /**
   * The bytes of {@code ref}: from its early download if there is one (run here if the pool has not started it yet,
   * so an I/O thread never waits for a task queued behind it), else fetched now. A failed early download is repeated
   * here, so its error is reported and retried like any other.
   */
  private byte[] fetch(Map<GeneratedImage.FileRef, Download> early, GeneratedImage.FileRef ref) {
    Download download = early.remove(ref); // a file listed twice is fetched twice, not shared
    if (download != null) {
      download.run(); // no-op if it has started or is done
      try {
        return download.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while fetching " + ref.filename(), e);
      } catch (ExecutionException | CancellationException e) {
        LOG.log(Level.DEBUG, () -> "early download of " + ref.filename() + " failed (" + e.getCause()
            + "); fetching it again");
      }
    }
    return client.view(ref);
  }

  private static void dropPrefetched(TrackedPrompt p) {
    if (p.prefetched != null) {
      for (Download download : p.prefetched.values()) {
        download.cancel(false); // not started: never runs; done: its bytes go with the map
      }
      p.prefetched = null;
    }
  }

  /** Whether events may still change the prompt: it is in flight and its run has not ended. */
  private static boolean active(TrackedPrompt p) {
    return p.phase != TrackedPrompt.Phase.DONE && p.phase != TrackedPrompt.Phase.COLLECTING;
  }

  private TrackedPrompt lookup(String promptId, ComfyEvent e) {
    TrackedPrompt p = prompts.get(promptId);
    if (p == null) {
      if (submitting > 0) {
        buffer(promptId, e);
      }
    } else {
      p.lastEventConnect = connects;
    }
    return p;
  }

  private void buffer(String promptId, ComfyEvent e) {
    unknown.computeIfAbsent(promptId, k -> new ArrayList<>(8)).add(e);
    unknownEvents++;
    unknownBytes += sizeOf(e);
    while (unknownEvents > MAX_BUFFERED_EVENTS || unknown.size() > MAX_BUFFERED_IDS
        || unknownBytes > MAX_BUFFERED_BYTES) {
      Iterator<Map.Entry<String, List<ComfyEvent>>> eldest = unknown.entrySet().iterator();
      List<ComfyEvent> dropped = eldest.next().getValue();
      eldest.remove();
      unknownEvents -= dropped.size();
      for (ComfyEvent d : dropped) {
        unknownBytes -= sizeOf(d);
      }
    }
  }

  private void unknownDrop(String promptId) {
    List<ComfyEvent> dropped = unknown.remove(promptId);
    if (dropped != null) {
      unknownEvents -= dropped.size();
      for (ComfyEvent d : dropped) {
        unknownBytes -= sizeOf(d);
      }
    }
  }

  private static long sizeOf(ComfyEvent e) {
    return e instanceof ComfyEvent.PreviewImage x ? x.bytes().length : 0;
  }

  /** Tells the observer the prompt is queued, once, and before anything else (events can beat the POST reply). */
  private void queued(TrackedPrompt p) {
    if (!p.queuedSent) {
      p.queuedSent = true;
      String id = p.id;
      dispatch(p, o -> o.queued(id));
    }
  }

  private void markStarted(TrackedPrompt p) {
    running = p;
    if (p.phase == TrackedPrompt.Phase.SUBMITTING || p.phase == TrackedPrompt.Phase.QUEUED) {
      queued(p);
      p.phase = TrackedPrompt.Phase.RUNNING;
      p.startedNanos = System.nanoTime();
      String id = p.id;
      dispatch(p, o -> o.started(id));
    }
  }

  private void onExecuting(ComfyEvent.Executing x) {
    if (x.promptId().isEmpty()) {
      return; // the reconnect form names no prompt (protocol §4); the queue check after a reconnect covers it
    }
    String id = x.promptId().get();
    TrackedPrompt p = lookup(id, x);
    if (p == null) {
      if (submitting > 0) {
        lastUnknownExecuting = x.node().isPresent() ? id : (id.equals(lastUnknownExecuting) ? null : lastUnknownExecuting);
      }
      return;
    }
    if (!active(p)) {
      return;
    }
    if (x.node().isEmpty()) {
      p.closeSocketNode(epoch);
      if (running == p) {
        running = null;
      }
      onRunEnded(p, null);
      return;
    }
    markStarted(p);
    p.closeSocketNode(epoch);
    String node = x.node().get();
    p.executingCount++;
    p.nodesDone = p.executingCount - 1;
    p.lastExecutingNode = node;
    String socketNode = p.isSocketOutput(node) ? node
        : x.displayNode().filter(p::isSocketOutput).orElse(null);
    if (socketNode != null) {
      p.openSocketNode = socketNode;
      p.openSocketEpoch = epoch;
    }
    String shown = x.displayNode().orElse(node);
    p.progressNode = shown;
    p.progressValue = 0;
    p.progressMax = 1;
    progress(p);
  }

  private void onProgress(ComfyEvent.Progress x) {
    TrackedPrompt p;
    if (x.promptId().isPresent()) {
      p = lookup(x.promptId().get(), x);
    } else {
      p = running; // servers before 2024 send progress without a prompt id
    }
    if (p == null || !active(p)) {
      return;
    }
    p.progressNode = x.node().orElse(p.lastExecutingNode == null ? "" : p.lastExecutingNode);
    p.progressValue = x.value();
    p.progressMax = x.max();
    progress(p);
  }

  private void progress(TrackedPrompt p) {
    String id = p.id;
    String node = p.progressNode;
    double value = p.progressValue;
    double max = p.progressMax;
    int done = p.nodesDone;
    int total = p.nodesTotal();
    dispatch(p, o -> o.progress(id, node, value, max, done, total));
  }

  private void onImage(ComfyEvent.PreviewImage x) {
    if (x.metadata().isPresent()) {
      // Event 4 names its prompt and node (protocol §7.3.1).
      TrackedPrompt p = x.promptId().map(prompts::get).orElse(null);
      if (p == null || !active(p)) {
        return;
      }
      String node = x.nodeId().orElse("");
      String socketNode = p.isSocketOutput(node) ? node : x.displayNodeId().filter(p::isSocketOutput).orElse(null);
      if (socketNode != null) {
        addSocketImage(p, x.bytes(), socketNode);
      } else {
        preview(p, x.displayNodeId().orElse(node), x.mimeType(), x.bytes());
      }
      return;
    }
    // Legacy event 1 carries no prompt id: it belongs to our running prompt only while that prompt's last executing
    // node is one of its SaveImageWebsocket nodes (protocol §7.3.2-3); anything else is a preview.
    TrackedPrompt p = running;
    if (p == null) {
      if (submitting > 0 && lastUnknownExecuting != null) {
        buffer(lastUnknownExecuting, x);
      }
      return;
    }
    if (!active(p)) {
      return;
    }
    if (p.openSocketNode != null) {
      addSocketImage(p, x.bytes(), p.openSocketNode);
    } else {
      preview(p, p.lastExecutingNode == null ? "" : p.lastExecutingNode, x.mimeType(), x.bytes());
    }
  }

  private void addSocketImage(TrackedPrompt p, byte[] bytes, String nodeId) {
    if (p.socketImages == null) {
      p.socketImages = new ArrayList<>(4);
    }
    p.socketImages.add(GeneratedImage.of(bytes, nodeId, null));
  }

  private void preview(TrackedPrompt p, String nodeId, String mimeType, byte[] bytes) {
    String id = p.id;
    dispatch(p, o -> o.preview(id, nodeId, mimeType, bytes));
  }

  /** The run ended ({@code executing} null, or history after a reconnect): decide, or collect images first. */
  private void onRunEnded(TrackedPrompt p, HistoryEntry fromHistory) {
    p.finishedNanos = System.nanoTime();
    if (p.cancelRequested) {
      finish(p, cancelled(p));
      return;
    }
    switch (p.terminal) {
      case ERROR -> {
        ComfyEvent.ExecutionError e = (ComfyEvent.ExecutionError) p.terminalEvent;
        finish(p, Failures.execution(p.id, p.workflow, e.nodeId(), e.nodeType(), e.exceptionType(),
            e.exceptionMessage(), e.raw()));
      }
      case INTERRUPTED -> {
        ComfyEvent.ExecutionInterrupted e = (ComfyEvent.ExecutionInterrupted) p.terminalEvent;
        finish(p, Failures.interrupted(p.id, p.workflow, e.nodeId(), e.nodeType(), e.raw()));
      }
      default -> collect(p, fromHistory);
    }
  }

  /**
   * Gathers the result of a run that ended. When the events told us everything — {@code execution_success}, an
   * {@code executed} for every declared file output, no connection gap — the images are the files those events named
   * (ComfyUI stores the same UI dicts in the history, protocol §10), so the loop only waits for their downloads: no
   * history round trip and no I/O thread on the way to the sinks. Otherwise the history decides, on the I/O pool.
   */
  private void collect(TrackedPrompt p, HistoryEntry prefetched) {
    p.phase = TrackedPrompt.Phase.COLLECTING;
    boolean needHistory = p.terminal != TrackedPrompt.Terminal.SUCCESS || p.hasFileOutputs();
    if (!needHistory) {
      complete(p, null, List.of());
      return;
    }
    if (prefetched == null && p.terminal == TrackedPrompt.Terminal.SUCCESS && !p.gap) {
      List<EventFile> files = filesFromEvents(p);
      if (files != null) {
        awaitDownloads(p, files);
        return;
      }
    }
    collectFromHistory(p, prefetched);
  }

  /**
   * The downloads of each declared file output's files, in output order, or {@code null} if some declared file
   * output sent no {@code executed} (cached on an old server, partly queued, missed) or no outputs are declared.
   */
  private static List<EventFile> filesFromEvents(TrackedPrompt p) {
    if (p.outputs.isEmpty() || p.executedFiles == null) {
      return null;
    }
    List<Map.Entry<String, List<GeneratedImage.FileRef>>> nodes = fileOutputs(p.executedFiles, p.outputs, true);
    if (nodes == null) {
      return null;
    }
    List<EventFile> files = new ArrayList<>(4);
    for (Map.Entry<String, List<GeneratedImage.FileRef>> node : nodes) {
      for (GeneratedImage.FileRef ref : node.getValue()) {
        Download download = p.prefetched == null ? null : p.prefetched.get(ref);
        if (download == null) {
          return null;
        }
        files.add(new EventFile(node.getKey(), ref, download));
      }
    }
    return files;
  }

  /** A file an {@code executed} event of output node {@code nodeId} named, and its download. */
  private record EventFile(String nodeId, GeneratedImage.FileRef ref, Download download) {}

  /** Completes {@code p} with {@code files} once every download has ended, without blocking the loop. */
  private void awaitDownloads(TrackedPrompt p, List<EventFile> files) {
    CompletableFuture<?>[] ended = new CompletableFuture<?>[files.size()];
    boolean allDone = true;
    for (int i = 0; i < ended.length; i++) {
      Download download = files.get(i).download();
      ended[i] = download.ended();
      allDone &= download.isDone();
    }
    if (allDone) {
      completeFromEvents(p, files);
    } else {
      CompletableFuture.allOf(ended).whenComplete((ignored, e) -> post(() -> completeFromEvents(p, files)));
    }
  }

  private void completeFromEvents(TrackedPrompt p, List<EventFile> files) {
    if (p.finished()) {
      return;
    }
    List<GeneratedImage> images = new ArrayList<>(files.size());
    for (EventFile file : files) {
      byte[] bytes = file.download().bytesIfDone();
      if (bytes == null) {
        // A download failed: the history path fetches it again, with its error handling and retries.
        collectFromHistory(p, null);
        return;
      }
      images.add(GeneratedImage.of(bytes, file.nodeId(), file.ref()));
    }
    succeed(p, images);
  }

  /** Fetches the history entry (unless given) and the file images on the I/O pool, then completes on the loop. */
  private void collectFromHistory(TrackedPrompt p, HistoryEntry prefetched) {
    String id = p.id;
    List<OutputNode> outputs = p.outputs;
    Map<GeneratedImage.FileRef, Download> early = p.prefetched == null ? new HashMap<>()
        : new HashMap<>(p.prefetched);
    ioTask(() -> {
      try {
        HistoryEntry entry = prefetched != null ? prefetched : client.history(id).orElse(null);
        List<GeneratedImage> files = new ArrayList<>();
        if (entry != null && !isError(entry)) {
          for (Map.Entry<String, List<GeneratedImage.FileRef>> node
              : fileOutputs(entry.outputImages(), outputs, false)) {
            for (GeneratedImage.FileRef ref : node.getValue()) {
              files.add(GeneratedImage.of(fetch(early, ref), node.getKey(), ref));
            }
          }
        }
        post(() -> complete(p, entry, files));
      } catch (ComfyIoException e) {
        post(() -> collectFailed(p, prefetched, e));
      } catch (RuntimeException e) {
        post(() -> {
          if (!p.finished()) {
            finish(p, Failures.of(p.id, p.workflow, FailureKind.NO_RESULT,
                "prompt " + p.id + " finished, but its results could not be fetched from ComfyUI: " + e.getMessage()));
          }
        });
      }
    });
  }

  /**
   * The files of the workflow's declared file outputs, node by node in output order, taken from {@code byNode} (the
   * executed events' or the history's); every node's when none are declared. With {@code requireAll}: {@code null}
   * if a declared file output is not in {@code byNode}.
   */
  private static List<Map.Entry<String, List<GeneratedImage.FileRef>>> fileOutputs(
      Map<String, List<GeneratedImage.FileRef>> byNode, List<OutputNode> outputs, boolean requireAll) {
    List<Map.Entry<String, List<GeneratedImage.FileRef>>> result = new ArrayList<>();
    if (outputs.isEmpty()) {
      result.addAll(byNode.entrySet());
      return result;
    }
    for (OutputNode output : outputs) {
      if (output.kind() != OutputKind.FILE) {
        continue;
      }
      List<GeneratedImage.FileRef> refs = byNode.get(output.nodeId());
      if (refs == null && requireAll) {
        return null;
      }
      if (refs != null && !refs.isEmpty()) {
        result.add(Map.entry(output.nodeId(), refs));
      }
    }
    return result;
  }

  private static boolean isError(HistoryEntry entry) {
    return entry.statusStr().filter("error"::equals).isPresent();
  }

  private void collectFailed(TrackedPrompt p, HistoryEntry prefetched, ComfyIoException e) {
    if (p.finished()) {
      return;
    }
    p.collectFailures++;
    long delayMillis = Math.min(30_000L, 250L << Math.min(7, p.collectFailures));
    LOG.log(Level.WARNING, () -> "fetching results of prompt " + p.id + " failed (" + e.getMessage()
        + "); retrying in " + delayMillis + " ms");
    schedule(() -> {
      if (!p.finished()) {
        collectFromHistory(p, prefetched);
      }
    }, Duration.ofMillis(delayMillis));
  }

  private void complete(TrackedPrompt p, HistoryEntry entry, List<GeneratedImage> files) {
    if (p.finished()) {
      return;
    }
    if (p.cancelRequested) {
      finish(p, cancelled(p));
      return;
    }
    if (p.terminal == TrackedPrompt.Terminal.NONE) {
      // No terminal event seen (an old server, or it ended while our socket was down): ask the history.
      if (entry == null) {
        finish(p, Failures.of(p.id, p.workflow, FailureKind.LOST, "ComfyUI no longer knows prompt " + p.id
            + " (was it restarted?)"));
        return;
      }
      Optional<Outcome.Failed> failure = failureFromHistory(p, entry);
      if (failure.isPresent()) {
        finish(p, failure.get());
        return;
      }
    } else if (entry == null && p.hasFileOutputs() && p.terminal == TrackedPrompt.Terminal.SUCCESS
        && !p.outputs.isEmpty()) {
      finish(p, Failures.of(p.id, p.workflow, FailureKind.LOST, "ComfyUI finished prompt " + p.id
          + " but has no history entry for it (was it restarted or its history cleared?)"));
      return;
    }
    succeed(p, files);
  }

  /** Ends {@code p} with its images (file images fetched, socket images received), or as NO_RESULT without any. */
  private void succeed(TrackedPrompt p, List<GeneratedImage> files) {
    if (p.cancelRequested) {
      finish(p, cancelled(p));
      return;
    }
    if (p.hasSocketOutputs() && p.socketImagesMissed()) {
      finish(p, Failures.of(p.id, p.workflow, FailureKind.NO_RESULT, "SaveImageWebsocket images of prompt " + p.id
          + " were sent while the connection to ComfyUI was down; they exist only on the socket and are gone"));
      return;
    }
    List<GeneratedImage> images = ordered(p, files);
    if (images.isEmpty() && p.producesImages) {
      finish(p, Failures.of(p.id, p.workflow, FailureKind.NO_RESULT, "prompt " + p.id + " finished but produced no"
          + " images, although workflow '" + p.workflow + "' declares image outputs " + outputIds(p)));
      return;
    }
    long now = p.finishedNanos == 0 ? System.nanoTime() : p.finishedNanos;
    Duration queued = p.startedNanos == 0 ? Duration.ZERO : Duration.ofNanos(p.startedNanos - p.registeredNanos);
    Duration executed = p.startedNanos == 0 ? Duration.ZERO : Duration.ofNanos(now - p.startedNanos);
    finish(p, new Outcome.Succeeded(new GenerationResult(p.id, p.workflow, images, p.parameters, queued, executed)));
  }

  private static String outputIds(TrackedPrompt p) {
    List<String> ids = new ArrayList<>();
    for (OutputNode o : p.outputs) {
      ids.add(o.nodeId() + " (" + o.classType() + ")");
    }
    return ids.toString();
  }

  /** File images and socket images together, in the workflow's output order, batch order within a node. */
  private static List<GeneratedImage> ordered(TrackedPrompt p, List<GeneratedImage> files) {
    List<GeneratedImage> socket = p.socketImages == null ? List.of() : p.socketImages;
    if (socket.isEmpty()) {
      return files;
    }
    if (files.isEmpty()) {
      return socket;
    }
    List<GeneratedImage> result = new ArrayList<>(files.size() + socket.size());
    for (OutputNode output : p.outputs) {
      List<GeneratedImage> source = output.kind() == OutputKind.WEBSOCKET ? socket : files;
      for (GeneratedImage image : source) {
        if (image.nodeId().equals(output.nodeId())) {
          result.add(image);
        }
      }
    }
    return result;
  }

  /** The failure a history entry records ({@code status_str: error}), if any. */
  private Optional<Outcome.Failed> failureFromHistory(TrackedPrompt p, HistoryEntry entry) {
    if (!isError(entry)) {
      return Optional.empty();
    }
    for (JsonNode message : entry.messages()) {
      String type = message.path(0).asText("");
      JsonNode data = message.path(1);
      if (type.equals("execution_error")) {
        return Optional.of(Failures.execution(p.id, p.workflow, data.path("node_id").asText(""),
            data.path("node_type").asText(""), data.path("exception_type").asText(""),
            data.path("exception_message").asText(""), data));
      }
      if (type.equals("execution_interrupted")) {
        return Optional.of(Failures.interrupted(p.id, p.workflow, data.path("node_id").asText(""),
            data.path("node_type").asText(""), data));
      }
    }
    return Optional.of(Failures.of(p.id, p.workflow, FailureKind.EXECUTION,
        "ComfyUI reports prompt " + p.id + " failed, without saying why"));
  }

  private static Outcome.Failed cancelled(TrackedPrompt p) {
    return Failures.of(p.id, p.workflow, FailureKind.CANCELLED, "prompt " + p.id + " was cancelled");
  }

  private void onTimeout(TrackedPrompt p, Duration timeout) {
    if (p.finished()) {
      return;
    }
    boolean accepted = p.phase != TrackedPrompt.Phase.SUBMITTING;
    String id = p.id;
    finish(p, Failures.of(id, p.workflow, FailureKind.TIMEOUT, "prompt " + id + " did not finish within " + timeout));
    if (accepted) {
      ioTask(() -> cancelRemoteQuietly(id)); // best effort: free the GPU for prompts someone still waits for
    }
  }

  private boolean cancelOnLoop(String promptId) {
    TrackedPrompt p = prompts.get(promptId);
    if (p == null || p.finished()) {
      return false;
    }
    if (p.cancelRequested) {
      return true;
    }
    p.cancelRequested = true;
    switch (p.phase) {
      case SUBMITTING, COLLECTING -> finish(p, cancelled(p)); // accept() drops it in ComfyUI if it gets there
      default -> {
        String id = p.id;
        ioTask(() -> {
          RemoteCancel result;
          try {
            result = cancelRemote(id);
          } catch (ComfyLiteException e) {
            LOG.log(Level.WARNING, () -> "could not cancel prompt " + id + " in ComfyUI: " + e.getMessage());
            result = RemoteCancel.FAILED;
          }
          RemoteCancel r = result;
          post(() -> {
            if (!p.finished() && (r == RemoteCancel.DELETED || r == RemoteCancel.VANISHED
                || r == RemoteCancel.FAILED)) {
              finish(p, cancelled(p));
            }
            // INTERRUPTING / FINISHED: the executing-null (or the reconnect check) ends it as cancelled.
          });
        });
      }
    }
    return true;
  }

  private Optional<PromptSnapshot> snapshotOnLoop(String promptId) {
    TrackedPrompt p = prompts.get(promptId);
    if (p != null) {
      PromptSnapshot.Phase phase = switch (p.phase) {
        case SUBMITTING, QUEUED -> PromptSnapshot.Phase.QUEUED;
        case RUNNING, COLLECTING -> PromptSnapshot.Phase.RUNNING;
        case DONE -> PromptSnapshot.Phase.FINISHED;
      };
      return Optional.of(new PromptSnapshot(p.id, p.workflow, phase, Optional.ofNullable(p.progressNode),
          p.progressValue, p.progressMax, p.nodesDone, p.nodesTotal(), Optional.ofNullable(p.outcome)));
    }
    Finished f = recent.get(promptId);
    if (f == null) {
      return Optional.empty();
    }
    return Optional.of(new PromptSnapshot(promptId, f.workflow(), PromptSnapshot.Phase.FINISHED, Optional.empty(), 0,
        1, 0, 0, Optional.of(f.outcome())));
  }

  private List<String> closeOnLoop() {
    closed = true;
    List<String> accepted = new ArrayList<>();
    for (TrackedPrompt p : List.copyOf(prompts.values())) {
      if (p.phase == TrackedPrompt.Phase.QUEUED || p.phase == TrackedPrompt.Phase.RUNNING) {
        accepted.add(p.id);
      }
      finish(p, Failures.of(p.id, p.workflow, FailureKind.CANCELLED, "ComfyLite was closed"));
    }
    return accepted;
  }

  /**
   * Ends the prompt with {@code outcome} and hands it to every sink; the only way a prompt ends, so a second call
   * does nothing.
   *
   * @return whether this call ended it
   */
  private boolean finish(TrackedPrompt p, Outcome outcome) {
    if (p.finished()) {
      return false;
    }
    if (p.awaitingReply) {
      p.awaitingReply = false;
      submitting--;
    }
    p.phase = TrackedPrompt.Phase.DONE;
    p.outcome = outcome;
    p.socketImages = null;
    dropPrefetched(p);
    if (p.timeoutTask != null) {
      p.timeoutTask.cancel(false);
      p.timeoutTask = null;
    }
    if (prompts.get(p.id) == p) {
      prompts.remove(p.id);
    }
    if (running == p) {
      running = null;
    }
    inFlight.decrementAndGet();
    remember(p.id, p.workflow, outcome);
    LOG.log(Level.DEBUG, () -> "prompt " + p.id + " ended: " + (outcome.isSucceeded() ? "succeeded"
        : outcome.asFailed().kind() + ": " + outcome.asFailed().message()));
    deliver(p, outcome);
    return true;
  }

  private void remember(String id, String workflow, Outcome outcome) {
    if (retainCount <= 0) {
      return;
    }
    long bytes = 0;
    if (outcome instanceof Outcome.Succeeded s) {
      for (GeneratedImage image : s.result().images()) {
        bytes += image.size();
      }
    }
    recent.put(id, new Finished(workflow, outcome, bytes));
    recentBytes += bytes;
    Iterator<Finished> eldest = recent.values().iterator();
    while (recent.size() > 1 && (recent.size() > retainCount || recentBytes > retainBytes)) {
      recentBytes -= eldest.next().bytes();
      eldest.remove();
    }
  }

  private record Finished(String workflow, Outcome outcome, long bytes) {}

  private void deliver(TrackedPrompt p, Outcome outcome) {
    String id = p.id;
    List<ResultSink> sinks = p.sinks;
    PromptObserver observer = p.observer;
    Runnable task = () -> {
      try {
        for (ResultSink sink : sinks) {
          try {
            sink.deliver(outcome);
          } catch (RuntimeException | LinkageError | AssertionError e) {
            LOG.log(Level.WARNING, "sink " + sink.getClass().getName() + " failed on the outcome of prompt " + id, e);
          }
        }
        if (observer != PromptObserver.NONE) {
          try {
            observer.finished(id, outcome);
          } catch (RuntimeException | LinkageError | AssertionError e) {
            LOG.log(Level.WARNING, "listener failed on the outcome of prompt " + id, e);
          }
        }
      } finally {
        deliveries.decrement();
      }
    };
    deliveries.increment();
    try {
      callbacks(p).execute(task);
    } catch (RejectedExecutionException e) {
      deliveries.decrement();
      LOG.log(Level.WARNING, () -> "callback executor refused the outcome of prompt " + id + "; not delivered");
    }
  }

  private Executor callbacks(TrackedPrompt p) {
    if (p.callbacks == null) {
      p.callbacks = p.observer == PromptObserver.NONE ? callbackExecutor : new SerialExecutor(callbackExecutor);
    }
    return p.callbacks;
  }

  private void dispatch(TrackedPrompt p, java.util.function.Consumer<PromptObserver> call) {
    PromptObserver observer = p.observer;
    if (observer == PromptObserver.NONE) {
      return;
    }
    String id = p.id;
    try {
      callbacks(p).execute(() -> {
        try {
          call.accept(observer);
        } catch (RuntimeException | LinkageError | AssertionError e) {
          LOG.log(Level.WARNING, "listener failed on an event of prompt " + id, e);
        }
      });
    } catch (RejectedExecutionException e) {
      LOG.log(Level.DEBUG, () -> "callback executor refused an event of prompt " + id);
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Reconciliation after a reconnect (protocol §4, §8.6-8.7)

  private enum Verdict { PENDING, RUNNING, FINISHED, LOST }

  private record Check(String promptId, Verdict verdict, HistoryEntry entry) {}

  private void reconcile(List<String> ids) {
    int connectsNow = connects;
    ioTask(() -> {
      List<Check> checks;
      try {
        checks = check(ids);
      } catch (ComfyLiteException e) {
        LOG.log(Level.WARNING, () -> "checking " + ids.size() + " prompts after a reconnect failed: " + e.getMessage());
        schedule(() -> {
          // Retry while still on the same connection; a new connection starts its own check.
          if (connected && connects == connectsNow) {
            List<String> still = new ArrayList<>();
            for (String id : ids) {
              TrackedPrompt p = prompts.get(id);
              if (p != null && active(p)) {
                still.add(id);
              }
            }
            if (!still.isEmpty()) {
              reconcile(still);
            }
          }
        }, Duration.ofSeconds(1));
        return;
      }
      post(() -> applyChecks(checks));
    });
  }

  /** Queue, then history, then queue and history again: a prompt is lost only if it is in none of them. */
  private List<Check> check(List<String> ids) {
    List<Check> checks = new ArrayList<>(ids.size());
    List<String> unsure = new ArrayList<>();
    QueueSnapshot first = client.queue();
    for (String id : ids) {
      if (first.contains(id)) {
        checks.add(new Check(id, isRunning(first, id) ? Verdict.RUNNING : Verdict.PENDING, null));
      } else {
        Optional<HistoryEntry> entry = client.history(id);
        if (entry.isPresent()) {
          checks.add(new Check(id, Verdict.FINISHED, entry.get()));
        } else {
          unsure.add(id);
        }
      }
    }
    if (!unsure.isEmpty()) {
      // It may have moved from the queue to the history between our two calls: look again, in the same order.
      QueueSnapshot second = client.queue();
      for (String id : unsure) {
        if (second.contains(id)) {
          checks.add(new Check(id, isRunning(second, id) ? Verdict.RUNNING : Verdict.PENDING, null));
        } else {
          Optional<HistoryEntry> entry = client.history(id);
          checks.add(entry.isPresent() ? new Check(id, Verdict.FINISHED, entry.get())
              : new Check(id, Verdict.LOST, null));
        }
      }
    }
    return checks;
  }

  private void applyChecks(List<Check> checks) {
    for (Check c : checks) {
      TrackedPrompt p = prompts.get(c.promptId());
      if (p == null || !active(p) || p.phase == TrackedPrompt.Phase.SUBMITTING) {
        continue;
      }
      switch (c.verdict()) {
        case PENDING -> p.gap = false; // it has not started, so it has sent nothing we could have missed
        case RUNNING -> markStarted(p);
        case FINISHED -> {
          if (p.hasSocketOutputs() && connected) {
            // Its SaveImageWebsocket frames may have been sent to this socket and still be on their way: this HTTP
            // answer can overtake them (protocol §4), and completing now would call them lost. If its events reach
            // this socket, its executing-null ends it as for any prompt; if none has come when the grace is over, it
            // finished while we were away and the history ends it. Keep the entry: a restart meanwhile cannot make
            // it LOST.
            p.finishedEntry = c.entry();
            int connectNow = connects;
            LOG.log(Level.DEBUG, () -> "prompt " + p.id + " is in the history; waiting up to "
                + SOCKET_FRAMES_GRACE.toMillis() + " ms for frames still on their way");
            schedule(() -> framesGraceOver(p, connectNow), SOCKET_FRAMES_GRACE);
            continue;
          }
          completeFromHistory(p, c.entry());
        }
        case LOST -> {
          if (p.finishedEntry != null) {
            // Restarted while we waited for its frames: the history we already read still tells how it ended.
            completeFromHistory(p, p.finishedEntry);
          } else {
            finish(p, p.cancelRequested ? cancelled(p) : Failures.of(p.id, p.workflow, FailureKind.LOST,
                "ComfyUI no longer knows prompt " + p.id + " (was it restarted?)"));
          }
        }
      }
    }
  }

  /** The wait of {@link #applyChecks} for a finished prompt's frames on connection {@code connect} is over. */
  private void framesGraceOver(TrackedPrompt p, int connect) {
    if (prompts.get(p.id) != p || !active(p) || !connected || connects != connect) {
      return; // ended, or a newer connection has checked it again and waits on its own
    }
    if (p.lastEventConnect == connects) {
      return; // its events are arriving on this socket: its executing-null ends it, as for any running prompt
    }
    completeFromHistory(p, p.finishedEntry);
  }

  /** Whether {@code outcome} came from our side (cancel, timeout, close) rather than from ComfyUI's run. */
  private static boolean endedByUs(Outcome outcome) {
    return outcome instanceof Outcome.Failed f
        && (f.kind() == FailureKind.CANCELLED || f.kind() == FailureKind.TIMEOUT);
  }

  private void completeFromHistory(TrackedPrompt p, HistoryEntry entry) {
    LOG.log(Level.DEBUG, () -> "prompt " + p.id + " finished while the socket was down; completing from history");
    p.closeSocketNode(-1);
    if (running == p) {
      running = null;
    }
    onRunEnded(p, entry);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Cancelling in ComfyUI (on the I/O pool)

  private enum RemoteCancel { DELETED, INTERRUPTING, FINISHED, VANISHED, FAILED }

  private RemoteCancel cancelRemote(String id) {
    QueueSnapshot queue = client.queue();
    if (queue.contains(id) && !isRunning(queue, id)) {
      client.deleteFromQueue(List.of(id));
      QueueSnapshot after = client.queue();
      if (!after.contains(id)) {
        return RemoteCancel.DELETED;
      }
      queue = after; // it started between our two calls
    }
    if (isRunning(queue, id)) {
      interrupt(id);
      return RemoteCancel.INTERRUPTING;
    }
    return client.history(id).isPresent() ? RemoteCancel.FINISHED : RemoteCancel.VANISHED;
  }

  private void interrupt(String id) {
    if (client.serverInfo().supportsTargetedInterrupt()) {
      client.interrupt(id);
      return;
    }
    // Older servers interrupt whatever runs: make sure it is still ours, right before asking.
    if (isRunning(client.queue(), id)) {
      client.interrupt(id);
    }
  }

  private void cancelRemoteQuietly(String id) {
    try {
      cancelRemote(id);
    } catch (RuntimeException e) {
      LOG.log(Level.DEBUG, () -> "best-effort cancel of prompt " + id + " failed: " + e.getMessage());
    }
  }

  private void cancelAllRemote(List<String> ids) {
    QueueSnapshot queue = client.queue();
    List<String> pending = new ArrayList<>();
    String runningId = null;
    for (String id : ids) {
      if (isRunning(queue, id)) {
        runningId = id;
      } else if (queue.contains(id)) {
        pending.add(id);
      }
    }
    if (!pending.isEmpty()) {
      client.deleteFromQueue(pending);
    }
    if (runningId != null) {
      interrupt(runningId);
    }
  }

  private static boolean isRunning(QueueSnapshot queue, String id) {
    return queue.isRunning(id);
  }

  /** Configures a {@link PromptTracker}. */
  public static final class Builder {
    private final ComfyClient client;
    private final String clientId;
    private final Executor callbackExecutor;
    private int ioThreads = 8;
    private int retainCount = 64;
    private long retainBytes = 256L << 20;

    private Builder(ComfyClient client, String clientId, Executor callbackExecutor) {
      this.client = Objects.requireNonNull(client, "client");
      this.clientId = Objects.requireNonNull(clientId, "clientId");
      this.callbackExecutor = Objects.requireNonNull(callbackExecutor, "callbackExecutor");
    }

    /**
     * Sets the number of {@code comfylite-io} threads (default 8: with many prompts in flight, fetching results is
     * bound by round trips to ComfyUI, not by CPU, and each early image download is a task of its own).
     *
     * @param threads at least 1
     * @return this builder
     */
    public Builder ioThreads(int threads) {
      if (threads < 1) {
        throw new IllegalArgumentException("ioThreads must be at least 1, was " + threads);
      }
      this.ioThreads = threads;
      return this;
    }

    /**
     * Sets how many finished prompts {@link #snapshot} still reports (default 64), and the most image bytes they may
     * hold together (default 256 MiB); the oldest are forgotten first, the newest always kept.
     *
     * @param count at least 0
     * @param maxImageBytes at least 0
     * @return this builder
     * @throws IllegalArgumentException if a value is negative
     */
    public Builder retainFinished(int count, long maxImageBytes) {
      Checks.retainFinished(count, maxImageBytes);
      this.retainCount = count;
      this.retainBytes = maxImageBytes;
      return this;
    }

    /**
     * Builds the tracker; call {@link PromptTracker#start} to connect.
     *
     * @return a tracker that is not yet connected
     */
    public PromptTracker build() {
      return new PromptTracker(this);
    }
  }
}
