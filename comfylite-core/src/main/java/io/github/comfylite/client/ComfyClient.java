package io.github.comfylite.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.comfylite.errors.ComfyHttpException;
import io.github.comfylite.errors.ComfyIoException;
import io.github.comfylite.internal.Backoff;
import io.github.comfylite.internal.Checks;
import io.github.comfylite.internal.HttpClients;
import io.github.comfylite.internal.Json;
import io.github.comfylite.internal.NamedThreadFactory;
import io.github.comfylite.result.GeneratedImage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.MultipartBody;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;
import okio.ByteString;

/**
 * Typed access to one ComfyUI server: its HTTP API and its {@code /ws} event stream. Usable on its own; the
 * {@code ComfyLite} facade builds on it.
 *
 * <pre>{@code
 * try (ComfyClient client = ComfyClient.builder().baseUrl(URI.create("http://127.0.0.1:8188")).build()) {
 *   client.connect(event -> queue.add(event));          // hand off; never block the reader thread
 *   SubmitResult result = client.submit(requestBody);  // {"prompt":…, "client_id": client.clientId(), "prompt_id":…}
 * }
 * }</pre>
 *
 * <p><strong>HTTP</strong> methods block the calling thread for at most the {@linkplain Builder#requestTimeout request
 * timeout}; call them off event threads. A network failure throws {@link ComfyIoException}; an unexpected status (or
 * a reply that is not the JSON ComfyUI sends) throws {@link ComfyHttpException}. JSON is read leniently (protocol §2):
 * unknown keys, {@code NaN}, integers beyond 64 bits.
 *
 * <p><strong>WebSocket</strong>: one per client, opened by {@link #connect} to {@code ws://host/ws?clientId=…}
 * ({@code wss} for {@code https}). The first frame sent on every socket is the feature-flag handshake asking for
 * preview metadata; old servers ignore it. A lost socket (server close, network error, or no pong within the
 * {@linkplain Builder#pingInterval ping interval}) is cancelled and only once OkHttp reports it closed is a new one
 * opened, after an exponential backoff with jitter, so the server's cleanup of the old socket cannot unregister the
 * new one (protocol §4). Silence is never treated as failure: ComfyUI may send nothing for minutes while loading a
 * model. Events sent while no socket is open are lost; after {@link ComfyEventListener#onConnected onConnected(true)}
 * check {@link #queue()} and {@link #history(String)}.
 *
 * <p><strong>Threads</strong>: listeners run on OkHttp's WebSocket reader thread. Reconnect timers run on a daemon
 * {@code comfylite-scheduler} thread (or the scheduler given to the builder). When this client creates its own
 * {@link OkHttpClient}, its dispatcher uses daemon {@code comfylite-http} threads. Instances are thread-safe.
 */
public final class ComfyClient implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(ComfyClient.class.getName());
  private static final MediaType JSON_TYPE = MediaType.get("application/json");
  /** The only client flag ComfyUI core reads (protocol §4); it switches previews to event 4 with metadata. */
  static final String FEATURE_FLAGS = "{\"type\":\"feature_flags\",\"data\":{\"supports_preview_metadata\":true}}";

  private final HttpUrl base;
  /** {@code POST /prompt}'s URL, built once: it is called for every prompt. */
  private final HttpUrl promptUrl;
  private final URI baseUri;
  private final String clientId;
  private final OkHttpClient http;
  private final OkHttpClient webSocketClient;
  private final OkHttpClient ownedClient;
  private final ScheduledExecutorService scheduler;
  private final boolean ownsScheduler;
  private final Backoff backoff;

  private final Object lock = new Object();
  // All guarded by lock.
  private ComfyEventListener listener;
  private ConnectionState state = ConnectionState.DISCONNECTED;
  private WebSocket socket;
  private int generation;
  private int failures;
  private boolean everConnected;
  private ScheduledFuture<?> pendingReconnect;

  private volatile boolean closed;
  private final Object probeLock = new Object();
  private volatile ServerInfo serverInfo;

  private ComfyClient(Builder b) {
    this.base = b.base;
    this.promptUrl = endpoint("prompt").build();
    this.baseUri = b.base.uri();
    this.clientId = b.clientId != null ? b.clientId : UUID.randomUUID().toString().toLowerCase(Locale.ROOT);
    OkHttpClient root;
    if (b.okHttpClient != null) {
      root = b.okHttpClient;
      ownedClient = null;
    } else {
      root = HttpClients.owned("comfylite-http", 64);
      ownedClient = root;
    }
    this.http = root.newBuilder().callTimeout(b.requestTimeout).build();
    // The socket lives for hours: no call timeout; pings detect a dead peer instead.
    this.webSocketClient = root.newBuilder().callTimeout(Duration.ZERO).pingInterval(b.pingInterval).build();
    if (b.scheduler != null) {
      scheduler = b.scheduler;
      ownsScheduler = false;
    } else {
      scheduler = Executors.newSingleThreadScheduledExecutor(new NamedThreadFactory("comfylite-scheduler"));
      ownsScheduler = true;
    }
    this.backoff = Backoff.exponential(b.backoffInitial, b.backoffMax);
  }

  /**
   * Starts building a client; {@link Builder#baseUrl} is required.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The id this client sends as {@code client_id} and as the socket's {@code clientId}.
   *
   * @return the client id, fixed for the life of this client
   */
  public String clientId() {
    return clientId;
  }

  /**
   * The server's base URL, normalised to end with {@code /}.
   *
   * @return the URL every request path is resolved against
   */
  public URI baseUrl() {
    return baseUri;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // HTTP

  /**
   * Queues a prompt: {@code POST /prompt} with a body such as {@code {"prompt":…, "client_id":…, "prompt_id":…}}.
   * The {@code client_id} must be {@link #clientId()}, or no per-prompt events reach this client's socket.
   *
   * @param promptRequestBody the JSON request body (not copied; do not modify during the call)
   * @return {@link SubmitResult.Accepted} on 200; {@link SubmitResult.Rejected} on 400 (validation) or 413 (too large)
   * @throws ComfyIoException if ComfyUI cannot be reached
   * @throws ComfyHttpException on any other status, or a 200 reply without a {@code prompt_id}
   * @throws IllegalStateException after {@link #close()}
   */
  public SubmitResult submit(byte[] promptRequestBody) {
    Objects.requireNonNull(promptRequestBody, "promptRequestBody");
    Request request = new Request.Builder().url(promptUrl)
        .post(RequestBody.create(promptRequestBody, JSON_TYPE)).build();
    return call(request, "POST /prompt", response -> {
      int code = response.code();
      if (code == 400 || code == 413) {
        return SubmitResult.Rejected.fromResponse(code, bodyText(response));
      }
      if (!response.isSuccessful()) {
        throw new ComfyHttpException("POST /prompt", code, bodyText(response));
      }
      byte[] bytes = readBody(response.body(), "POST /prompt");
      JsonNode json = parse(bytes, "POST /prompt", code);
      Optional<String> promptId = ComfyEvents.text(json, "prompt_id");
      if (promptId.isEmpty()) {
        throw new ComfyHttpException("POST /prompt: the reply has no prompt_id", code,
            new String(bytes, StandardCharsets.UTF_8));
      }
      JsonNode nodeErrors = json.path("node_errors");
      return new SubmitResult.Accepted(promptId.get(), json.path("number"),
          nodeErrors.isObject() ? nodeErrors : Json.JSON.createObjectNode());
    });
  }

  /**
   * Reads a prompt's history entry: {@code GET /history/{id}}.
   *
   * @param promptId the prompt id
   * @return the entry once the prompt finished; empty while it is pending or running, and for unknown ids (use
   *     {@link #queue()} to tell them apart)
   * @throws ComfyIoException if ComfyUI cannot be reached
   * @throws ComfyHttpException on an unexpected status or a reply that is not JSON
   */
  public Optional<HistoryEntry> history(String promptId) {
    Objects.requireNonNull(promptId, "promptId");
    JsonNode body = getJson(endpoint("history").addPathSegment(promptId).build(), "GET /history/" + promptId);
    JsonNode entry = body.get(promptId);
    return entry == null || !entry.isObject() ? Optional.empty() : Optional.of(HistoryEntry.fromJson(promptId, entry));
  }

  /**
   * Downloads a file: {@code GET /view?filename=&subfolder=&type=}, every parameter URL-encoded (names contain spaces
   * and parentheses).
   *
   * @param file the file as {@code /history} or an {@code executed} event names it
   * @return the file's bytes
   * @throws ComfyIoException if ComfyUI cannot be reached
   * @throws ComfyHttpException on 400/403/404 or any other unexpected status
   */
  public byte[] view(GeneratedImage.FileRef file) {
    Objects.requireNonNull(file, "file");
    HttpUrl url = endpoint("view").addQueryParameter("filename", file.filename())
        .addQueryParameter("subfolder", file.subfolder()).addQueryParameter("type", file.type()).build();
    String what = "GET /view " + file.type() + "/" + (file.subfolder().isEmpty() ? "" : file.subfolder() + "/")
        + file.filename();
    return call(new Request.Builder().url(url).build(), what, response -> {
      if (!response.isSuccessful()) {
        throw new ComfyHttpException(what, response.code(), bodyText(response));
      }
      return readBody(response.body(), what);
    });
  }

  /**
   * Reads a body straight into one array of its exact size when the length is known. {@code ResponseBody.bytes()}
   * buffers the whole body in Okio segments first and then copies it into the array, so a 4 MB image briefly took
   * 8 MB; reading through the stream moves it segment by segment, and the segments are recycled.
   */
  private static byte[] readBody(ResponseBody body, String what) throws IOException {
    long length = body.contentLength();
    if (length < 0 || length > Integer.MAX_VALUE - 8) {
      return body.bytes(); // chunked: the size is unknown, let Okio grow its buffer
    }
    byte[] bytes = new byte[(int) length];
    try (InputStream in = body.byteStream()) {
      int read = in.readNBytes(bytes, 0, bytes.length);
      if (read != bytes.length) {
        throw new IOException(what + ": the body ended after " + read + " of " + length + " bytes");
      }
      if (in.read() != -1) {
        throw new IOException(what + ": the body is longer than its Content-Length " + length);
      }
    }
    return bytes;
  }

  /**
   * Uploads an image into ComfyUI's {@code input} folder: {@code POST /upload/image}. Use the returned
   * {@link UploadedImage#loadImageValue()}, not the name you sent: a different file with the same name is stored as
   * {@code name (1).ext} unless {@code overwrite} is true.
   *
   * @param fileName the name to store it under; a base name without {@code /} or {@code \}
   * @param bytes the file content (any type; ComfyUI does not check it is an image)
   * @param overwrite replace an existing file of that name
   * @return where ComfyUI stored it
   * @throws IllegalArgumentException if the name is blank or contains a path separator
   * @throws ComfyIoException if ComfyUI cannot be reached
   * @throws ComfyHttpException on 413 (larger than its upload limit) or any other unexpected status
   */
  public UploadedImage uploadImage(String fileName, byte[] bytes, boolean overwrite) {
    return uploadImage(fileName, bytes, "", "input", overwrite);
  }

  /**
   * Uploads an image into a chosen folder: {@code POST /upload/image}. See
   * {@link #uploadImage(String, byte[], boolean)}.
   *
   * @param fileName the name to store it under; a base name without {@code /} or {@code \}
   * @param bytes the file content
   * @param subfolder a folder inside the type's directory, {@code ""} for none; created if needed
   * @param type {@code input}, {@code temp} or {@code output} (ComfyUI answers 500 to anything else)
   * @param overwrite replace an existing file of that name
   * @return where ComfyUI stored it
   * @throws IllegalArgumentException if the name is blank or has a path separator, or the type is not allowed
   * @throws ComfyIoException if ComfyUI cannot be reached
   * @throws ComfyHttpException on 413 or any other unexpected status
   */
  public UploadedImage uploadImage(String fileName, byte[] bytes, String subfolder, String type,
      boolean overwrite) {
    Objects.requireNonNull(fileName, "fileName");
    Objects.requireNonNull(bytes, "bytes");
    Objects.requireNonNull(subfolder, "subfolder");
    Objects.requireNonNull(type, "type");
    if (fileName.isBlank() || fileName.contains("/") || fileName.contains("\\")) {
      throw new IllegalArgumentException(
          "fileName must be a non-blank base name without '/' or '\\' (put folders in subfolder), was '"
              + fileName + "'");
    }
    if (!type.equals("input") && !type.equals("temp") && !type.equals("output")) {
      throw new IllegalArgumentException("type must be input, temp or output, was '" + type + "'");
    }
    RequestBody body = new MultipartBody.Builder().setType(MultipartBody.FORM)
        .addFormDataPart("image", fileName,
            RequestBody.create(bytes, MediaType.get(GeneratedImage.mimeTypeOf(bytes))))
        .addFormDataPart("type", type)
        .addFormDataPart("subfolder", subfolder)
        .addFormDataPart("overwrite", overwrite ? "true" : "false")
        .build();
    Request request = new Request.Builder().url(endpoint("upload/image").build()).post(body).build();
    JsonNode json = jsonCall(request, "POST /upload/image");
    Optional<String> name = ComfyEvents.text(json, "name");
    if (name.isEmpty()) {
      throw new ComfyHttpException("POST /upload/image: the reply has no name", 200, json.toString());
    }
    return new UploadedImage(name.get(), ComfyEvents.text(json, "subfolder").orElse(subfolder),
        ComfyEvents.text(json, "type").orElse(type));
  }

  /**
   * Reads the queue: {@code GET /queue}, with pending prompts sorted into run order.
   *
   * @return the running and pending prompts
   * @throws ComfyIoException if ComfyUI cannot be reached
   * @throws ComfyHttpException on an unexpected status or a reply that is not JSON
   */
  public QueueSnapshot queue() {
    return QueueSnapshot.fromJson(getJson(endpoint("queue").build(), "GET /queue"));
  }

  /**
   * Removes pending prompts from the queue: {@code POST /queue {"delete":[…]}}. Running prompts and unknown ids are
   * left alone (use {@link #interrupt}); the deleted prompts get no further events (protocol §8.6). Does nothing for
   * an empty collection.
   *
   * @param promptIds the prompts to remove
   * @throws ComfyIoException if ComfyUI cannot be reached
   * @throws ComfyHttpException on an unexpected status
   */
  public void deleteFromQueue(Collection<String> promptIds) {
    Objects.requireNonNull(promptIds, "promptIds");
    if (promptIds.isEmpty()) {
      return;
    }
    ObjectNode body = Json.JSON.createObjectNode();
    ArrayNode ids = body.putArray("delete");
    promptIds.forEach(id -> ids.add(Objects.requireNonNull(id, "promptIds contains null")));
    postJson("queue", body, "POST /queue delete");
  }

  /**
   * Interrupts a running prompt: {@code POST /interrupt {"prompt_id":…}}. From v0.3.57 the server stops it only if it
   * is the one running; <strong>older servers ignore the id and stop whatever runs</strong>, so on those check
   * {@link #queue()} first ({@link ServerInfo#supportsTargetedInterrupt()}).
   *
   * @param promptId the prompt to interrupt
   * @throws ComfyIoException if ComfyUI cannot be reached
   * @throws ComfyHttpException on an unexpected status
   */
  public void interrupt(String promptId) {
    Objects.requireNonNull(promptId, "promptId");
    ObjectNode body = Json.JSON.createObjectNode().put("prompt_id", promptId);
    postJson("interrupt", body, "POST /interrupt " + promptId);
  }

  /**
   * Reads every node class's definition: {@code GET /object_info} (several MB with custom nodes).
   *
   * @return class name → definition
   * @throws ComfyIoException if ComfyUI cannot be reached
   * @throws ComfyHttpException on an unexpected status or a reply that is not JSON
   */
  public JsonNode objectInfo() {
    return getJson(endpoint("object_info").build(), "GET /object_info");
  }

  /**
   * Reads the server's feature flags: {@code GET /features}.
   *
   * @return the flags; empty on servers before v0.3.45, which answer 404
   * @throws ComfyIoException if ComfyUI cannot be reached
   * @throws ComfyHttpException on another unexpected status or a reply that is not JSON
   */
  public Optional<JsonNode> features() {
    Request request = new Request.Builder().url(endpoint("features").build()).build();
    return call(request, "GET /features", response -> {
      if (response.code() == 404) {
        return Optional.empty();
      }
      return Optional.of(readJson(response, "GET /features"));
    });
  }

  /**
   * Reads the server's system and device information: {@code GET /system_stats}.
   *
   * @return {@code {"system":{…, comfyui_version}, "devices":[…]}}
   * @throws ComfyIoException if ComfyUI cannot be reached
   * @throws ComfyHttpException on an unexpected status or a reply that is not JSON
   */
  public JsonNode systemStats() {
    return getJson(endpoint("system_stats").build(), "GET /system_stats");
  }

  /**
   * What the server supports, probed with {@link #features()} and {@link #systemStats()} on the first call and
   * cached. The cache is dropped when the socket reconnects (the server may have been replaced), so the next call
   * probes again. Blocking on the first call.
   *
   * @return the server's capabilities
   * @throws ComfyIoException if ComfyUI cannot be reached (nothing is cached then)
   * @throws ComfyHttpException if {@code /features} answers an unexpected status
   */
  public ServerInfo serverInfo() {
    ServerInfo cached = serverInfo;
    if (cached != null) {
      return cached;
    }
    synchronized (probeLock) {
      if (serverInfo == null) {
        serverInfo = probe();
      }
      return serverInfo;
    }
  }

  /**
   * Forgets the cached {@link #serverInfo()}, so the next call probes the server again.
   */
  public void refreshServerInfo() {
    serverInfo = null;
  }

  private ServerInfo probe() {
    Optional<JsonNode> features = features();
    Optional<String> version;
    try {
      version = ComfyEvents.text(systemStats().path("system"), "comfyui_version");
    } catch (ComfyHttpException e) {
      version = Optional.empty(); // a proxy or an odd build without /system_stats: version unknown
    }
    boolean featureFlags = features.isPresent();
    boolean previewMetadata = features.map(f -> f.path("supports_preview_metadata").asBoolean(false)).orElse(false);
    OptionalLong maxUpload = features.map(f -> f.path("max_upload_size"))
        .filter(JsonNode::isNumber).map(n -> OptionalLong.of(n.decimalValue().longValue()))
        .orElse(OptionalLong.empty());
    ServerInfo probed = new ServerInfo(version, featureFlags, previewMetadata, false, false, maxUpload);
    boolean clientPromptId = featureFlags || probed.isAtLeast(0, 3, 45);
    boolean targetedInterrupt = probed.isAtLeast(0, 3, 57);
    ServerInfo info = new ServerInfo(version, featureFlags, previewMetadata, clientPromptId, targetedInterrupt,
        maxUpload);
    LOG.log(System.Logger.Level.INFO, () -> "ComfyUI at " + base + ": " + info);
    return info;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // WebSocket

  /**
   * Starts connecting the WebSocket and returns at once. The client then keeps a socket open until
   * {@link #close()}, reconnecting by itself; {@code listener} gets every event (see {@link ComfyEventListener} for
   * the thread rules).
   *
   * @param listener receives connection changes and events
   * @throws IllegalStateException if {@code connect} was already called, or after {@link #close()}
   */
  public void connect(ComfyEventListener listener) {
    Objects.requireNonNull(listener, "listener");
    synchronized (lock) {
      if (closed) {
        throw new IllegalStateException("ComfyClient is closed");
      }
      if (this.listener != null) {
        throw new IllegalStateException("connect() was already called; a client has one socket and one listener");
      }
      this.listener = listener;
    }
    open();
  }

  /**
   * The socket's current state.
   *
   * @return the state at the moment of the call; it may change right after
   */
  public ConnectionState connectionState() {
    synchronized (lock) {
      return state;
    }
  }

  /**
   * Closes the socket with code 1000 and stops reconnecting; shuts down the scheduler and, if this client created it,
   * OkHttp's dispatcher and connection pool. A borrowed {@link OkHttpClient} or scheduler is left running. The
   * listener gets nothing more. HTTP methods throw {@link IllegalStateException} afterwards. Idempotent; never
   * throws.
   */
  @Override
  public void close() {
    WebSocket toClose;
    ScheduledFuture<?> reconnect;
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      state = ConnectionState.CLOSED;
      toClose = socket;
      socket = null;
      reconnect = pendingReconnect;
      pendingReconnect = null;
    }
    if (reconnect != null) {
      reconnect.cancel(false);
    }
    if (toClose != null && !toClose.close(1000, "client closed")) {
      toClose.cancel();
    }
    if (ownsScheduler) {
      scheduler.shutdownNow();
    }
    if (ownedClient != null) {
      HttpClients.shutdown(ownedClient);
    }
    LOG.log(System.Logger.Level.DEBUG, () -> "ComfyClient for " + base + " closed");
  }

  private void open() {
    int gen;
    synchronized (lock) {
      if (closed) {
        return;
      }
      pendingReconnect = null;
      gen = ++generation;
      state = ConnectionState.CONNECTING;
    }
    HttpUrl url = endpoint("ws").addQueryParameter("clientId", clientId).build();
    LOG.log(System.Logger.Level.DEBUG, () -> "Opening WebSocket " + url);
    // Outside the lock: OkHttp may report a failure synchronously on this thread.
    WebSocket ws = webSocketClient.newWebSocket(new Request.Builder().url(url).build(), new SocketListener(gen));
    boolean cancel;
    synchronized (lock) {
      cancel = closed;
      if (!closed && gen == generation) {
        socket = ws;
      }
    }
    if (cancel) {
      ws.cancel();
    }
  }

  /** Called once the old socket is fully closed or failed: schedule the next attempt. */
  private void scheduleReconnect(int gen) {
    synchronized (lock) {
      if (closed || gen != generation) {
        return;
      }
      socket = null;
      state = ConnectionState.DISCONNECTED;
      Duration delay = backoff.delay(++failures);
      LOG.log(System.Logger.Level.DEBUG, () -> "Reconnecting to " + base + " in " + delay.toMillis() + " ms");
      try {
        pendingReconnect = scheduler.schedule(this::open, delay.toNanos(), TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException e) {
        LOG.log(System.Logger.Level.WARNING, "Cannot schedule a reconnect: the scheduler was shut down", e);
      }
    }
  }

  /** Events of one socket; {@code gen} tells a stale socket's callbacks from the current one's. */
  private final class SocketListener extends WebSocketListener {
    private final int gen;
    // OkHttp may call onOpen on the dispatcher thread and later callbacks on its reader thread.
    private volatile boolean opened;
    private volatile boolean lostReported;

    SocketListener(int gen) {
      this.gen = gen;
    }

    private boolean current() {
      synchronized (lock) {
        return !closed && gen == generation;
      }
    }

    @Override
    public void onOpen(WebSocket webSocket, Response response) {
      // First frame on every socket, before anything else; no reply is awaited (old servers send none).
      webSocket.send(FEATURE_FLAGS);
      boolean reconnected;
      ComfyEventListener target;
      synchronized (lock) {
        if (closed || gen != generation) {
          target = null;
          reconnected = false;
        } else {
          opened = true;
          state = ConnectionState.CONNECTED;
          failures = 0;
          reconnected = everConnected;
          everConnected = true;
          target = listener;
        }
      }
      if (target == null) {
        webSocket.close(1000, "client closed");
        return;
      }
      if (reconnected) {
        serverInfo = null; // the server may have been restarted or replaced
      }
      LOG.log(System.Logger.Level.INFO, () -> "WebSocket connected to " + base + (reconnected ? " (reconnected)" : ""));
      try {
        target.onConnected(reconnected);
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "ComfyEventListener.onConnected threw", e);
      }
    }

    @Override
    public void onMessage(WebSocket webSocket, String text) {
      if (!current()) {
        return;
      }
      ComfyEventListener target = listener();
      String type = ComfyEvents.peekType(text);
      if (type != null) {
        try {
          if (!target.wants(type)) {
            return;
          }
        } catch (RuntimeException e) {
          LOG.log(System.Logger.Level.WARNING, "ComfyEventListener.wants threw", e);
        }
      }
      ComfyEvent event;
      try {
        event = ComfyEvents.parseText(text);
      } catch (UncheckedIOException e) {
        LOG.log(System.Logger.Level.WARNING, () -> "Ignoring a WebSocket text frame that is not JSON ("
            + text.length() + " chars)");
        return;
      }
      deliver(target, event);
    }

    @Override
    public void onMessage(WebSocket webSocket, ByteString bytes) {
      if (!current()) {
        return;
      }
      // asByteBuffer is a read-only view: the image is copied out of the frame exactly once.
      deliver(listener(), ComfyEvents.parseBinary(bytes.asByteBuffer()));
    }

    private ComfyEventListener listener() {
      synchronized (lock) {
        return listener;
      }
    }

    private void deliver(ComfyEventListener target, ComfyEvent event) {
      LOG.log(System.Logger.Level.DEBUG, () -> "Event " + event.getClass().getSimpleName()
          + event.forPrompt().map(id -> " for " + id).orElse(""));
      try {
        target.onEvent(event);
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "ComfyEventListener.onEvent threw", e);
      }
    }

    @Override
    public void onClosing(WebSocket webSocket, int code, String reason) {
      // Complete the close handshake; OkHttp then reports onClosed, and only then do we reconnect.
      webSocket.close(1000, null);
      lost(new IOException("ComfyUI closed the WebSocket: " + code + (reason.isEmpty() ? "" : " " + reason)));
    }

    @Override
    public void onClosed(WebSocket webSocket, int code, String reason) {
      lost(new IOException("WebSocket closed: " + code + (reason.isEmpty() ? "" : " " + reason)));
      scheduleReconnect(gen);
    }

    @Override
    public void onFailure(WebSocket webSocket, Throwable t, Response response) {
      // Make sure the TCP connection is gone before a new socket registers the same clientId (protocol §4 race).
      webSocket.cancel();
      if (opened) {
        LOG.log(System.Logger.Level.INFO, () -> "WebSocket to " + base + " lost: " + t);
      } else {
        LOG.log(System.Logger.Level.DEBUG, () -> "WebSocket to " + base + " failed to open: " + t
            + (response == null ? "" : " (HTTP " + response.code() + ")"));
      }
      lost(t);
      scheduleReconnect(gen);
    }

    private void lost(Throwable cause) {
      if (!opened || lostReported) {
        return;
      }
      lostReported = true;
      ComfyEventListener target;
      synchronized (lock) {
        if (closed || gen != generation) {
          return;
        }
        state = ConnectionState.DISCONNECTED;
        target = listener;
      }
      try {
        target.onDisconnected(cause);
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "ComfyEventListener.onDisconnected threw", e);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // HTTP plumbing

  private HttpUrl.Builder endpoint(String path) {
    return base.newBuilder().addPathSegments(path);
  }

  @FunctionalInterface
  private interface ResponseHandler<T> {
    T handle(Response response) throws IOException;
  }

  private <T> T call(Request request, String what, ResponseHandler<T> handler) {
    if (closed) {
      throw new IllegalStateException("ComfyClient is closed");
    }
    try (Response response = http.newCall(request).execute()) {
      return handler.handle(response);
    } catch (IOException e) {
      throw new ComfyIoException(what, e);
    }
  }

  private JsonNode getJson(HttpUrl url, String what) {
    return jsonCall(new Request.Builder().url(url).build(), what);
  }

  private JsonNode jsonCall(Request request, String what) {
    return call(request, what, response -> readJson(response, what));
  }

  private void postJson(String path, JsonNode body, String what) {
    byte[] bytes;
    try {
      bytes = Json.JSON.writeValueAsBytes(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise a JSON tree", e); // cannot happen for a plain tree
    }
    Request request = new Request.Builder().url(endpoint(path).build()).post(RequestBody.create(bytes, JSON_TYPE))
        .build();
    call(request, what, response -> {
      if (!response.isSuccessful()) {
        throw new ComfyHttpException(what, response.code(), bodyText(response));
      }
      return null;
    });
  }

  private static JsonNode readJson(Response response, String what) throws IOException {
    if (!response.isSuccessful()) {
      throw new ComfyHttpException(what, response.code(), bodyText(response));
    }
    return parse(readBody(response.body(), what), what, response.code());
  }

  private static JsonNode parse(byte[] bytes, String what, int code) {
    try {
      JsonNode json = Json.JSON.readTree(bytes);
      if (json == null || json.isMissingNode()) {
        throw new ComfyHttpException(what + ": the reply is empty, expected JSON", code, "");
      }
      return json;
    } catch (IOException e) {
      throw new ComfyHttpException(what + ": the reply is not JSON", code, new String(bytes, StandardCharsets.UTF_8));
    }
  }

  /**
   * The body as UTF-8 text. ComfyUI sends JSON and aiohttp's plain-text errors, both UTF-8; {@code body.string()} would
   * parse the Content-Type header on every response to find a charset.
   */
  private static String bodyText(Response response) throws IOException {
    ResponseBody body = response.body();
    return body == null ? "" : new String(readBody(body, "the reply"), StandardCharsets.UTF_8);
  }

  /** Builds a {@link ComfyClient}. Not thread-safe; {@link #build()} validates. */
  public static final class Builder {
    private HttpUrl base;
    private OkHttpClient okHttpClient;
    private String clientId;
    private Duration pingInterval = Duration.ofSeconds(20);
    private Duration backoffInitial = Duration.ofMillis(250);
    private Duration backoffMax = Duration.ofSeconds(10);
    private Duration requestTimeout = Duration.ofSeconds(30);
    private ScheduledExecutorService scheduler;

    private Builder() {}

    /**
     * The ComfyUI server, e.g. {@code http://127.0.0.1:8188} (with or without a trailing slash; a path prefix such as
     * {@code http://proxy/comfy/} is kept). {@code https} gives {@code wss} for the socket; {@code ws}/{@code wss}
     * are accepted as {@code http}/{@code https}. Required.
     *
     * @param baseUrl the server's URL
     * @return this builder
     * @throws IllegalArgumentException if the URL is not http(s) with a host, or has a query or fragment
     */
    public Builder baseUrl(URI baseUrl) {
      Objects.requireNonNull(baseUrl, "baseUrl");
      String scheme = baseUrl.getScheme() == null ? "" : baseUrl.getScheme().toLowerCase(Locale.ROOT);
      String mapped = switch (scheme) {
        case "http", "ws" -> "http";
        case "https", "wss" -> "https";
        default -> throw new IllegalArgumentException(
            "baseUrl must start with http:// or https://, was '" + baseUrl + "'");
      };
      if (baseUrl.getRawQuery() != null || baseUrl.getRawFragment() != null) {
        throw new IllegalArgumentException("baseUrl must not have a query or fragment, was '" + baseUrl + "'");
      }
      String rest = baseUrl.toString().substring(scheme.length());
      HttpUrl parsed = HttpUrl.parse(mapped + rest);
      if (parsed == null || baseUrl.getHost() == null) {
        throw new IllegalArgumentException("baseUrl must be http(s)://host[:port][/path], was '" + baseUrl + "'");
      }
      String path = parsed.encodedPath();
      this.base = path.endsWith("/") ? parsed : parsed.newBuilder().encodedPath(path + "/").build();
      return this;
    }

    /**
     * An OkHttp client to derive from (with {@link OkHttpClient#newBuilder()}), sharing its dispatcher and
     * connection pool, e.g. to add a proxy or an authenticating interceptor for a reverse proxy. Borrowed: not shut
     * down by {@link ComfyClient#close()}, and used with its own socket factory (we set {@code TCP_NODELAY} only on
     * clients we create; without it each POST can wait ~40 ms for a delayed ACK). Defaults to a new client with
     * {@code TCP_NODELAY} sockets, owned and shut down by this one.
     *
     * @param okHttpClient the client to derive from
     * @return this builder
     */
    public Builder okHttpClient(OkHttpClient okHttpClient) {
      this.okHttpClient = Objects.requireNonNull(okHttpClient, "okHttpClient");
      return this;
    }

    /**
     * The id sent as the socket's {@code clientId} and as every prompt's {@code client_id}. Defaults to a random
     * lowercase UUID.
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
     * How often to ping ComfyUI over the socket. A socket whose pong does not come back before the next ping is
     * treated as dead and replaced. Defaults to 20 seconds.
     *
     * @param pingInterval a positive interval
     * @return this builder
     * @throws IllegalArgumentException if not positive
     */
    public Builder pingInterval(Duration pingInterval) {
      this.pingInterval = positive(pingInterval, "pingInterval");
      return this;
    }

    /**
     * The reconnect backoff: the n-th attempt in a row waits a random time between half and all of
     * {@code min(max, initial * 2^(n-1))}. Defaults to 250 ms up to 10 s.
     *
     * @param initial the first wait's upper bound; positive
     * @param max the largest wait; at least {@code initial}
     * @return this builder
     * @throws IllegalArgumentException if {@code initial} is not positive or {@code max < initial}
     */
    public Builder reconnectBackoff(Duration initial, Duration max) {
      positive(initial, "reconnectBackoff initial");
      Objects.requireNonNull(max, "max");
      if (max.compareTo(initial) < 0) {
        throw new IllegalArgumentException("reconnectBackoff max " + max + " is less than initial " + initial);
      }
      this.backoffInitial = initial;
      this.backoffMax = max;
      return this;
    }

    /**
     * The whole-call timeout of each HTTP request (connect, send, wait, read). Defaults to 30 seconds. It does not
     * apply to the WebSocket.
     *
     * @param requestTimeout a positive timeout
     * @return this builder
     * @throws IllegalArgumentException if not positive
     */
    public Builder requestTimeout(Duration requestTimeout) {
      this.requestTimeout = positive(requestTimeout, "requestTimeout");
      return this;
    }

    /**
     * The scheduler for reconnect timers. Borrowed: not shut down by {@link ComfyClient#close()}. Defaults to a
     * single daemon {@code comfylite-scheduler} thread owned by the client.
     *
     * @param scheduler the scheduler
     * @return this builder
     */
    public Builder scheduler(ScheduledExecutorService scheduler) {
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
      return this;
    }

    /**
     * Creates the client. It does not connect until {@link ComfyClient#connect} is called.
     *
     * @return the client
     * @throws IllegalStateException if {@link #baseUrl} was not set
     */
    public ComfyClient build() {
      if (base == null) {
        throw new IllegalStateException("baseUrl is required, e.g. http://127.0.0.1:8188");
      }
      return new ComfyClient(this);
    }

    private static Duration positive(Duration d, String name) {
      Objects.requireNonNull(d, name);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be positive, was " + d);
      }
      return d;
    }
  }
}
