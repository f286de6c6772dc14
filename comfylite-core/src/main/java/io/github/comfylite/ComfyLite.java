package io.github.comfylite;

import io.github.comfylite.client.ComfyClient;
import io.github.comfylite.client.ConnectionState;
import io.github.comfylite.internal.Checks;
import io.github.comfylite.internal.HttpClients;
import io.github.comfylite.internal.NamedThreadFactory;
import io.github.comfylite.result.GenerationResult;
import io.github.comfylite.result.Outcome;
import io.github.comfylite.result.ResultSink;
import io.github.comfylite.result.WebhookSender;
import io.github.comfylite.tracker.PromptObserver;
import io.github.comfylite.tracker.PromptSnapshot;
import io.github.comfylite.tracker.PromptTracker;
import io.github.comfylite.tracker.Submission;
import io.github.comfylite.workflow.BuiltWorkflow;
import io.github.comfylite.workflow.WorkflowManager;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import okhttp3.OkHttpClient;

/**
 * Submits workflows to a ComfyUI server, follows them, and delivers exactly one outcome per prompt to every sink.
 *
 * <pre>{@code
 * try (ComfyLite comfy = ComfyLite.builder()
 *     .comfyUrl(URI.create("http://127.0.0.1:8000"))
 *     .workflowDirectories(Path.of("templates"), Path.of("configs"))
 *     .build()) {
 *   GenerationResult result = comfy.generate(GenerationRequest.builder("starter")
 *       .param("prompt", "a lighthouse at dusk").build()).get(5, TimeUnit.MINUTES);
 * }
 * }</pre>
 *
 * <p>Threads (all daemon): {@code comfylite-events} owns every prompt's state; {@code comfylite-io} does blocking
 * HTTP to ComfyUI (history, images, queue, interrupt); {@code comfylite-scheduler} runs timeouts;
 * {@code comfylite-callbacks} runs sinks, listeners and completes futures. No user code runs on the event loop or on
 * OkHttp's socket reader thread. Instances are thread-safe.
 */
public final class ComfyLite implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(ComfyLite.class.getName());
  private static final Duration FIRST_CONNECT_WAIT = Duration.ofSeconds(3);
  /** How long one {@code GET /queue} answers every {@link #status} call's position (protocol §11). */
  static final Duration QUEUE_POSITION_MAX_AGE = Duration.ofMillis(500);

  private final URI comfyUrl;
  private final WorkflowManager workflows;
  private final Duration promptTimeout;
  private final ComfyLiteListener listener;
  private final List<ResultSink> sinks;
  private final ExecutorService ownCallbacks;
  private final WebhookSender borrowedSender;
  private final OkHttpClient ownHttp;
  private final ComfyClient client;
  private final PromptTracker tracker;
  private final QueuePositions queuePositions;
  private final AtomicBoolean closed = new AtomicBoolean();
  private WebhookSender ownSender;

  private ComfyLite(Builder b) {
    this.comfyUrl = b.comfyUrl;
    this.workflows = b.workflowManager != null ? b.workflowManager
        : WorkflowManager.create(b.templatesDir, b.configsDir);
    this.promptTimeout = b.promptTimeout;
    this.listener = b.listener;
    this.sinks = List.copyOf(b.sinks);
    this.borrowedSender = b.webhookSender;
    Executor callbacks = b.callbackExecutor;
    if (callbacks == null) {
      ThreadPoolExecutor pool = new ThreadPoolExecutor(b.callbackThreads, b.callbackThreads, 30, TimeUnit.SECONDS,
          new LinkedBlockingQueue<>(), new NamedThreadFactory("comfylite-callbacks"));
      pool.allowCoreThreadTimeOut(true);
      this.ownCallbacks = pool;
      callbacks = pool;
    } else {
      this.ownCallbacks = null;
    }
    OkHttpClient http;
    if (b.okHttpClient != null) {
      http = b.okHttpClient;
      this.ownHttp = null;
    } else {
      // Shared by ComfyClient and our own webhook sender: the tracker's io threads, the submitters and the webhook
      // deliveries use one connection pool.
      http = HttpClients.owned("comfylite-http", 64);
      this.ownHttp = http;
    }
    this.client = ComfyClient.builder().baseUrl(comfyUrl).clientId(b.clientId).okHttpClient(http).build();
    this.tracker = PromptTracker.builder(client, b.clientId, callbacks)
        .retainFinished(b.retainCount, b.retainBytes)
        .build();
    this.queuePositions = new QueuePositions(client::queue, QUEUE_POSITION_MAX_AGE, System::nanoTime);
    tracker.start(FIRST_CONNECT_WAIT);
  }

  /**
   * Starts configuring an instance.
   *
   * @return a new builder; {@link Builder#build()} checks that the required settings are present
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Builds the request's workflow, uploads its image inputs, and submits it to ComfyUI.
   *
   * <p>Blocks only for the uploads and the {@code POST /prompt} (each bounded by the HTTP request timeout). The
   * prompt's state exists before the POST is sent, so no event is missed. If ComfyUI rejects the prompt (HTTP 400)
   * or cannot be reached, the returned handle's outcome is already {@code Failed(VALIDATION)} or
   * {@code Failed(UNAVAILABLE)} and has been handed to the sinks.
   *
   * @param request what to generate
   * @return the handle: the final prompt id and futures for the outcome
   * @throws io.github.comfylite.errors.WorkflowException if the workflow is unknown or a parameter is invalid;
   *     nothing was submitted and no sink is called
   * @throws IllegalStateException if this instance is closed
   */
  public PromptHandle submit(GenerationRequest request) {
    Objects.requireNonNull(request, "request");
    if (closed.get()) {
      throw new IllegalStateException("ComfyLite is closed");
    }
    BuiltWorkflow built = workflows.build(request.workflow(), request.params());
    String promptId = UUID.randomUUID().toString();
    PromptHandle handle = new PromptHandle(promptId, built.workflow(), this::cancel);
    List<ResultSink> all = new ArrayList<>(1 + sinks.size() + request.sinks().size());
    all.add(handle::complete);
    all.addAll(sinks);
    all.addAll(request.sinks());
    Submission submission = tracker.submit(promptId, built, all, observer(request.listener()),
        request.timeout().orElse(promptTimeout));
    if (!submission.promptId().equals(promptId)) {
      handle.rekey(submission.promptId());
    }
    // Rejected or unreachable: complete the handle now, so the caller sees the outcome as soon as submit returns.
    submission.failure().ifPresent(handle::complete);
    return handle;
  }

  /**
   * Submits the request and returns its result future: {@code submit(request).result()}.
   *
   * @param request what to generate
   * @return completes with the images, or exceptionally with a
   *     {@link io.github.comfylite.errors.PromptFailedException}; cancelling it cancels the prompt
   * @throws io.github.comfylite.errors.WorkflowException if the workflow is unknown or a parameter is invalid
   * @throws IllegalStateException if this instance is closed
   */
  public CompletableFuture<GenerationResult> generate(GenerationRequest request) {
    return submit(request).result();
  }

  /**
   * Cancels a prompt of this instance: removes it from ComfyUI's queue if it is pending, or interrupts it if it is
   * running (only that prompt, never another client's). Its outcome becomes {@code Failed(CANCELLED)}: at once for a
   * pending prompt, when ComfyUI reports the interrupted run ended for a running one.
   *
   * @param promptId the prompt's id
   * @return {@code true} if the prompt was in flight and will end as cancelled; {@code false} if it is unknown or
   *     has already ended
   */
  public boolean cancel(String promptId) {
    Objects.requireNonNull(promptId, "promptId");
    return tracker.cancel(promptId);
  }

  /**
   * The status of a prompt submitted through this instance: in flight, or among the most recently finished ones
   * (see {@link Builder#retainFinished}).
   *
   * <p>For a {@link PromptStatus.State#QUEUED} prompt the {@link PromptStatus#queuePosition() queue position} is read
   * from ComfyUI's {@code GET /queue} on the calling thread: 0 means it runs next, and every client's prompts ahead
   * of it count. One queue reading serves all calls for 500 ms, so the position may be that much behind, and a
   * prompt accepted within that time may have none yet. Other states never touch the network.
   *
   * @param promptId the prompt's id
   * @return its status, or empty if it is unknown or finished too long ago
   */
  public Optional<PromptStatus> status(String promptId) {
    Objects.requireNonNull(promptId, "promptId");
    Optional<PromptSnapshot> snapshot = tracker.snapshot(promptId);
    if (snapshot.isEmpty()) {
      return Optional.empty();
    }
    PromptStatus status = toStatus(snapshot.get());
    if (status.state() != PromptStatus.State.QUEUED) {
      return Optional.of(status);
    }
    return Optional.of(new PromptStatus(status.promptId(), status.workflow(), status.state(),
        queuePositions.position(status.promptId()), status.progress(), status.outcome()));
  }

  private static PromptStatus toStatus(PromptSnapshot s) {
    PromptStatus.State state = switch (s.phase()) {
      case QUEUED -> PromptStatus.State.QUEUED;
      case RUNNING -> PromptStatus.State.RUNNING;
      case FINISHED -> s.outcome().map(Outcome::isSucceeded).orElse(false)
          ? PromptStatus.State.SUCCEEDED : PromptStatus.State.FAILED;
    };
    Optional<Progress> progress = state == PromptStatus.State.RUNNING
        ? s.nodeId().map(node -> new Progress(node, s.value(), s.max(), s.nodesDone(), s.nodesTotal()))
        : Optional.empty();
    return new PromptStatus(s.promptId(), s.workflow(), state, OptionalInt.empty(), progress, s.outcome());
  }

  /**
   * The workflows this instance builds requests from.
   *
   * @return the manager given to the builder, or the one created from its workflow directories
   */
  public WorkflowManager workflows() {
    return workflows;
  }

  /**
   * The number of accepted prompts that have not ended yet (for back-pressure).
   *
   * @return the count at the moment of the call
   */
  public int inFlight() {
    return tracker.inFlight();
  }

  /**
   * The state of the WebSocket to ComfyUI ({@code CONNECTED} when events flow). While it is not connected, ComfyLite
   * keeps reconnecting in the background and prompts in flight keep waiting (only their timeout ends them).
   *
   * @return the state at the moment of the call; it may change right after
   */
  public ConnectionState connectionState() {
    return tracker.connectionState();
  }

  /**
   * A sink that POSTs outcomes to {@code url} through this instance's webhook sender: the one given to
   * {@link Builder#webhookSender}, or one this instance creates on first use and closes in {@link #close()}.
   *
   * @param url an absolute http or https URL
   * @return the sink
   * @throws IllegalArgumentException if the URL is not an absolute http(s) URL
   * @throws IllegalStateException if this instance is closed
   */
  public ResultSink webhookSink(URI url) {
    Objects.requireNonNull(url, "url");
    return webhookSender().sink(url);
  }

  private synchronized WebhookSender webhookSender() {
    if (borrowedSender != null) {
      return borrowedSender;
    }
    if (closed.get()) {
      throw new IllegalStateException("ComfyLite is closed");
    }
    if (ownSender == null) {
      WebhookSender.Builder sender = WebhookSender.builder();
      if (ownHttp != null) {
        // Share our connection pool and TCP_NODELAY sockets; the sender still makes its own copy with newBuilder().
        sender.okHttpClient(ownHttp);
      }
      ownSender = sender.build();
    }
    return ownSender;
  }

  /**
   * Shuts down: refuses new work, ends every pending prompt with {@code Failed(CANCELLED, "ComfyLite was closed")} on
   * every sink (and asks ComfyUI, briefly, to drop them), waits a bounded time for those deliveries and for the
   * webhook deliveries of its own sender, closes the WebSocket, and stops its own threads. Borrowed clients, senders
   * and executors are not shut down. Safe to call more than once; never throws.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    tracker.close();
    WebhookSender sender;
    synchronized (this) {
      sender = ownSender;
    }
    if (sender != null) {
      sender.close();
    }
    if (ownCallbacks != null) {
      ownCallbacks.shutdown();
    }
    if (ownHttp != null) {
      HttpClients.shutdown(ownHttp);
    }
    LOG.log(System.Logger.Level.DEBUG, () -> "ComfyLite for " + comfyUrl + " closed");
  }

  private PromptObserver observer(ComfyLiteListener perRequest) {
    if (listener == ComfyLiteListener.NONE && perRequest == ComfyLiteListener.NONE) {
      return PromptObserver.NONE;
    }
    if (perRequest == ComfyLiteListener.NONE) {
      return new ListenerObserver(List.of(listener));
    }
    if (listener == ComfyLiteListener.NONE) {
      return new ListenerObserver(List.of(perRequest));
    }
    return new ListenerObserver(List.of(listener, perRequest));
  }

  /**
   * Configures a {@link ComfyLite}. Not thread-safe.
   */
  public static final class Builder {
    private URI comfyUrl = URI.create("http://127.0.0.1:8000");
    private Path templatesDir = Path.of("templates");
    private Path configsDir = Path.of("configs");
    private Duration promptTimeout = Duration.ofMinutes(10);
    private OkHttpClient okHttpClient;
    private ComfyLiteListener listener = ComfyLiteListener.NONE;
    private final List<ResultSink> sinks = new ArrayList<>();
    private Executor callbackExecutor;
    private String clientId;
    private WorkflowManager workflowManager;
    private WebhookSender webhookSender;
    private int callbackThreads = 4;
    private int retainCount = 64;
    private long retainBytes = 256L << 20;

    private Builder() {}

    /**
     * Uses this workflow manager instead of loading {@link #workflowDirectories}. Borrowed.
     *
     * @param manager the manager
     * @return this builder
     */
    public Builder workflowManager(WorkflowManager manager) {
      this.workflowManager = Objects.requireNonNull(manager, "manager");
      return this;
    }

    /**
     * Sets the webhook sender {@link ComfyLite#webhookSink} uses. Borrowed: not closed by {@link ComfyLite#close()}.
     * Defaults to a sender with default settings that this instance creates on first use and closes.
     *
     * @param sender the sender
     * @return this builder
     */
    public Builder webhookSender(WebhookSender sender) {
      this.webhookSender = Objects.requireNonNull(sender, "sender");
      return this;
    }

    /**
     * Sets how many finished prompts {@link ComfyLite#status} still reports, and the most image bytes their results
     * may hold together; the oldest are forgotten first (the newest is always kept). Defaults to 64 prompts and
     * 256 MiB. {@code 0} keeps none.
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
     * Sets ComfyUI's base URL. Defaults to {@code http://127.0.0.1:8000} (ComfyUI Desktop's port).
     *
     * @param url an {@code http} or {@code https} URL
     * @return this builder
     * @throws IllegalArgumentException if the scheme is not http or https
     */
    public Builder comfyUrl(URI url) {
      Objects.requireNonNull(url, "url");
      if (!"http".equalsIgnoreCase(url.getScheme()) && !"https".equalsIgnoreCase(url.getScheme())) {
        throw new IllegalArgumentException("comfyUrl must be an http or https URL, was " + url);
      }
      this.comfyUrl = url;
      return this;
    }

    /**
     * Sets the directories of workflow templates ({@code NAME.json}) and mappings ({@code NAME.yaml}). Default
     * {@code ./templates} and {@code ./configs}.
     *
     * @param templates the templates directory
     * @param configs the mappings directory
     * @return this builder
     */
    public Builder workflowDirectories(Path templates, Path configs) {
      this.templatesDir = Objects.requireNonNull(templates, "templates");
      this.configsDir = Objects.requireNonNull(configs, "configs");
      return this;
    }

    /**
     * Sets the default overall timeout per prompt, from submission to outcome (default 10 minutes). A request may
     * override it. There is no inactivity timeout.
     *
     * @param timeout a positive duration
     * @return this builder
     * @throws IllegalArgumentException if it is zero or negative
     */
    public Builder promptTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isZero() || timeout.isNegative()) {
        throw new IllegalArgumentException("promptTimeout must be positive, was " + timeout);
      }
      this.promptTimeout = timeout;
      return this;
    }

    /**
     * Sets the OkHttp client to derive ComfyUI's HTTP and WebSocket clients from (with {@code newBuilder()}).
     * Borrowed: not shut down by {@link ComfyLite#close()}, and its socket factory is kept (we set
     * {@code TCP_NODELAY} only on clients we create; without it each POST can wait ~40 ms for a delayed ACK).
     * Defaults to a client of ComfyLite's own, with {@code TCP_NODELAY} sockets.
     *
     * @param client the client
     * @return this builder
     */
    public Builder okHttpClient(OkHttpClient client) {
      this.okHttpClient = Objects.requireNonNull(client, "client");
      return this;
    }

    /**
     * Sets a listener called for every prompt, in addition to each request's own. Default
     * {@link ComfyLiteListener#NONE}.
     *
     * @param listener the listener
     * @return this builder
     */
    public Builder listener(ComfyLiteListener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /**
     * Adds a sink that receives the outcome of every prompt, in addition to each request's own sinks.
     *
     * @param sink the sink
     * @return this builder
     */
    public Builder addSink(ResultSink sink) {
      sinks.add(Objects.requireNonNull(sink, "sink"));
      return this;
    }

    /**
     * Sets the executor that runs sinks and listeners and completes futures. Borrowed: not shut down by
     * {@link ComfyLite#close()}. Defaults to ComfyLite's own {@code comfylite-callbacks} threads. Calls for one
     * prompt never overlap and arrive in order, whatever the executor.
     *
     * @param executor the executor
     * @return this builder
     */
    public Builder callbackExecutor(Executor executor) {
      this.callbackExecutor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /**
     * Sets the client id used on the WebSocket and in every POST. Defaults to a random UUID per instance. Two live
     * instances must never share one.
     *
     * @param clientId a non-blank id
     * @return this builder
     * @throws IllegalArgumentException if blank
     */
    public Builder clientId(String clientId) {
      this.clientId = Checks.clientId(clientId);
      return this;
    }

    /**
     * Builds and starts the instance: loads the workflows and starts connecting to ComfyUI in the background (it
     * need not be up yet).
     *
     * @return the instance
     * @throws io.github.comfylite.errors.WorkflowException if a workflow file is invalid
     */
    public ComfyLite build() {
      if (clientId == null) {
        clientId = UUID.randomUUID().toString();
      }
      return new ComfyLite(this);
    }
  }
}
