package io.github.comfylite.result;

import io.github.comfylite.internal.Backoff;
import io.github.comfylite.internal.HttpClients;
import io.github.comfylite.internal.NamedThreadFactory;
import io.github.comfylite.internal.Version;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.System.Logger.Level;
import java.net.ConnectException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Date;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSink;

/**
 * Delivers outcomes to webhook URLs: POSTs the original JSON payload, retries what is worth retrying, and optionally
 * signs each request the Standard Webhooks way. One sender serves any number of URLs and prompts; share one per
 * application (or per ComfyLite instance).
 *
 * <pre>{@code
 * try (WebhookSender webhooks = WebhookSender.builder()
 *         .secret(System.getenv("WEBHOOK_SECRET"))
 *         .build()) {
 *     comfy.generate(GenerationRequest.builder("starter")
 *         .param("prompt", "a lighthouse at dusk")
 *         .addSink(webhooks.sink(URI.create("https://example.com/hooks/comfy")))
 *         .build());
 * }
 * }</pre>
 *
 * <p><b>Payload.</b> Exactly the original program's contract, {@code {"status":"success","prompt_id":…,"images":[
 * "<base64>",…]}} or {@code {"status":"failure","prompt_id":…,"error":…}}, with fields added after those (never
 * renamed): {@code workflow}; {@code mime_types} for a success; {@code kind} ({@link FailureKind} in lower case),
 * {@code node_id} and {@code node_type} for a failure. Images are base64-encoded straight into the request body from
 * the image's own bytes; the body is never built in memory, and it is sent with an exact {@code Content-Length}.
 *
 * <p><b>Retries.</b> Connection errors, timeouts (each attempt is bounded by {@link Builder#attemptTimeout}), 408,
 * 429 and 5xx are retried after an exponential backoff with jitter, honouring {@code Retry-After} on 429 and 503
 * (capped by {@link Builder#maxBackoff}), until {@link Builder#maxAttempts} or {@link Builder#maxTotalTime} runs
 * out. Any other status ends the delivery at once: 2xx as delivered; other 4xx and 3xx as given up with a WARNING
 * (redirects are never followed, so a receiver cannot bounce the payload elsewhere).
 * One quirk comes from OkHttp itself: a 503 with {@code Retry-After: 0} is repeated at once inside the same attempt,
 * so the receiver may see one request more than {@link DeliveryReport#attempts()} counts (same {@code webhook-id}).
 *
 * <p><b>Headers.</b> {@code Content-Type: application/json}, {@code User-Agent: comfylite-java/<version>} and
 * {@code webhook-id: msg_<random>}, the same on every attempt of one delivery so receivers can drop duplicates. With
 * a {@link Builder#secret secret}, also {@code webhook-timestamp} and {@code webhook-signature: v1,<base64>}. Each
 * attempt is signed afresh with the current time, because receivers reject timestamps older than a few minutes and
 * retries can span longer than that; signing streams the body through the MAC, so it costs CPU but no memory.
 *
 * <p><b>Threads.</b> {@link #send} and {@link WebhookSink#deliver} only enqueue and return. Without a secret the first
 * attempt is handed to OkHttp on the calling thread (no I/O there; it saves a thread hop); retries, and every signed
 * attempt, start (and are signed) on {@code comfylite-webhooks-N} threads. HTTP runs on OkHttp's dispatcher, which for
 * a sender-owned client uses {@code comfylite-webhooks-http-N} daemon threads. Futures and {@link WebhookListener}
 * calls complete on those threads (or, when OkHttp refuses a call at once, e.g. its dispatcher was shut down, on the
 * calling thread): use the {@code *Async} stages for slow follow-up work.
 *
 * <p><b>Lifecycle.</b> {@link #close()} refuses new deliveries, waits up to {@link Builder#shutdownGrace} for those in
 * flight (so outcomes produced while ComfyLite closes still go out), then gives up the rest and stops its threads.
 * This class is thread-safe.
 */
public final class WebhookSender implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(WebhookSender.class.getName());
  private static final MediaType JSON = MediaType.get("application/json");

  private final OkHttpClient client;
  private final boolean ownsDispatcher;
  private final ScheduledThreadPoolExecutor scheduler;
  private final byte[] key;
  private final int maxAttempts;
  private final Backoff backoff;
  private final Duration maxBackoff;
  private final long maxTotalNanos;
  private final long attemptTimeoutNanos;
  private final Duration shutdownGrace;
  private final Clock clock;
  private final WebhookListener listener;

  private final Set<Delivery> inFlight = ConcurrentHashMap.newKeySet();
  private final Object idle = new Object();
  private volatile boolean closed;
  private final AtomicBoolean closing = new AtomicBoolean();

  private WebhookSender(Builder builder) {
    OkHttpClient.Builder http;
    if (builder.okHttpClient != null) {
      http = builder.okHttpClient.newBuilder();
      ownsDispatcher = false;
    } else {
      // Many prompts often report to one receiver; keep as many idle connections as may be busy per host.
      http = HttpClients.owned("comfylite-webhooks-http", 32).newBuilder();
      ownsDispatcher = true;
    }
    this.client = http
        .followRedirects(false)
        .followSslRedirects(false)
        // Our own retry loop decides and counts every attempt (and spaces them out).
        .retryOnConnectionFailure(false)
        .build();
    this.scheduler = new ScheduledThreadPoolExecutor(builder.threads, new NamedThreadFactory("comfylite-webhooks"));
    this.scheduler.setRemoveOnCancelPolicy(true);
    this.key = builder.secret == null ? null : WebhookSignature.key(builder.secret);
    this.maxAttempts = builder.maxAttempts;
    this.backoff = Backoff.exponential(builder.initialBackoff, builder.maxBackoff);
    this.maxBackoff = builder.maxBackoff;
    this.maxTotalNanos = builder.maxTotalTime.toNanos();
    this.attemptTimeoutNanos = builder.attemptTimeout.toNanos();
    this.shutdownGrace = builder.shutdownGrace;
    this.clock = builder.clock;
    this.listener = builder.listener;
  }

  /**
   * A builder with the defaults listed on each setter.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The process-wide sender behind {@link ResultSink#webhook(URI)}: defaults, no secret, daemon threads, created on
   * first use. A JVM shutdown hook closes it, so deliveries in flight at exit get {@link Builder#shutdownGrace} to
   * finish.
   */
  static WebhookSender defaultSender() {
    return DefaultHolder.INSTANCE;
  }

  private static final class DefaultHolder {
    static final WebhookSender INSTANCE = create();

    private static WebhookSender create() {
      WebhookSender sender = builder().build();
      Runtime.getRuntime().addShutdownHook(new Thread(sender::close, "comfylite-webhooks-shutdown"));
      return sender;
    }
  }

  /**
   * A sink that delivers every outcome it receives to {@code url} through this sender.
   *
   * @param url an absolute {@code http} or {@code https} URL
   * @return the sink
   * @throws IllegalArgumentException if {@code url} is not an absolute http(s) URL
   */
  public WebhookSink sink(URI url) {
    return new WebhookSink(this, url, httpUrl(url));
  }

  /**
   * Starts delivering {@code outcome} to {@code url} and returns at once.
   *
   * @param url an absolute {@code http} or {@code https} URL
   * @param outcome what to send
   * @return completes (never exceptionally) with the report once the delivery is accepted by the receiver or given
   *     up; on an OkHttp or {@code comfylite-webhooks} thread
   * @throws IllegalArgumentException if {@code url} is not an absolute http(s) URL
   * @throws IllegalStateException if this sender is closed
   */
  public CompletableFuture<DeliveryReport> send(URI url, Outcome outcome) {
    return send(url, httpUrl(url), outcome);
  }

  /** {@link #send(URI, Outcome)} with the URL already checked and parsed, once per sink rather than per outcome. */
  CompletableFuture<DeliveryReport> send(URI url, HttpUrl httpUrl, Outcome outcome) {
    Objects.requireNonNull(outcome, "outcome");
    if (closed) {
      throw new IllegalStateException("WebhookSender is closed; outcome of prompt " + outcome.promptId()
          + " not sent to " + loggable(url));
    }
    Delivery delivery = new Delivery(url, httpUrl, outcome);
    inFlight.add(delivery);
    if (key == null) {
      // Unsigned, the first attempt only builds a request and enqueues it on OkHttp's dispatcher: start it here
      // rather than pay a hop through the scheduler thread. Signing reads the whole body, so it stays off the caller.
      delivery.attempt();
    } else {
      delivery.schedule(0);
    }
    return delivery.future;
  }

  /**
   * How many deliveries are queued, in flight or waiting for a retry.
   *
   * @return the number of deliveries not yet finished, at the moment of the call
   */
  public int pending() {
    return inFlight.size();
  }

  /**
   * Waits until no delivery is pending.
   *
   * @param timeout how long to wait at most
   * @return whether it became idle within {@code timeout}
   * @throws IllegalStateException if the waiting thread is interrupted (its interrupt flag is set again)
   */
  public boolean awaitIdle(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (idle) {
      while (!inFlight.isEmpty()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(idle, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while waiting for webhook deliveries", e);
        }
      }
      return true;
    }
  }

  /**
   * Refuses new deliveries, waits up to the shutdown grace for pending ones, gives up what is left and stops the
   * threads this sender created. A borrowed {@link OkHttpClient}'s dispatcher and pool are left alone. Idempotent;
   * never throws. An interrupt cuts the grace short (the interrupt flag is kept).
   */
  @Override
  public void close() {
    if (!closing.compareAndSet(false, true)) {
      return;
    }
    closed = true;
    boolean interrupted = false;
    try {
      if (!awaitIdle(shutdownGrace)) {
        LOG.log(Level.WARNING, () -> "WebhookSender closing with " + inFlight.size()
            + " deliveries unfinished after " + shutdownGrace.toMillis() + " ms; giving them up");
      }
    } catch (IllegalStateException e) {
      interrupted = true;
    }
    for (Delivery delivery : inFlight) {
      delivery.abort();
    }
    scheduler.shutdownNow();
    if (ownsDispatcher) {
      HttpClients.shutdown(client);
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "WebhookSender{pending " + inFlight.size() + (key != null ? ", signed" : "") + (closed ? ", closed" : "")
        + "}";
  }

  /** {@code url} without user info, query or fragment, which may carry tokens: safe for logs and messages. */
  static String loggable(URI url) {
    if (url == null) {
      return "null";
    }
    if (url.getHost() == null) {
      return "<invalid URL>";
    }
    return url.getScheme() + "://" + url.getHost() + (url.getPort() >= 0 ? ":" + url.getPort() : "")
        + (url.getRawPath() == null ? "" : url.getRawPath());
  }

  private static HttpUrl httpUrl(URI url) {
    Objects.requireNonNull(url, "url");
    String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new IllegalArgumentException("webhook URL must be absolute http or https, was " + loggable(url));
    }
    HttpUrl parsed = HttpUrl.parse(url.toString());
    if (parsed == null) {
      throw new IllegalArgumentException("webhook URL is not a valid http(s) URL: " + loggable(url));
    }
    return parsed;
  }

  private static boolean retryable(int code) {
    return code == 408 || code == 429 || code >= 500;
  }

  /** One outcome on its way to one URL, across all its attempts. */
  private final class Delivery implements Callback {
    final String id = "msg_" + UUID.randomUUID().toString().replace("-", "");
    final URI url;
    final HttpUrl httpUrl;
    final String promptId;
    final WebhookPayload payload;
    final long startNanos = System.nanoTime();
    final CompletableFuture<DeliveryReport> future = new CompletableFuture<>();
    final AtomicInteger attempts = new AtomicInteger();
    final AtomicBoolean done = new AtomicBoolean();
    volatile Call call;
    volatile ScheduledFuture<?> next;

    Delivery(URI url, HttpUrl httpUrl, Outcome outcome) {
      this.url = url;
      this.httpUrl = httpUrl;
      this.promptId = outcome.promptId();
      this.payload = WebhookPayload.of(outcome);
    }

    void schedule(long delayNanos) {
      try {
        next = scheduler.schedule(this::attempt, delayNanos, TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException e) {
        finish(false, OptionalInt.empty(), "sender closed");
      }
    }

    void attempt() {
      if (done.get()) {
        return;
      }
      try {
        int attempt = attempts.incrementAndGet();
        Request.Builder request = new Request.Builder()
            .url(httpUrl)
            .header("User-Agent", Version.USER_AGENT)
            .header("webhook-id", id)
            .post(new PayloadBody(payload));
        if (key != null) {
          long timestamp = clock.instant().getEpochSecond();
          request.header("webhook-timestamp", Long.toString(timestamp))
              .header("webhook-signature", WebhookSignature.sign(key, id, timestamp, payload));
        }
        Call c = client.newCall(request.build());
        long left = startNanos + maxTotalNanos - System.nanoTime();
        c.timeout().timeout(Math.max(1, Math.min(attemptTimeoutNanos, left)), TimeUnit.NANOSECONDS);
        call = c;
        LOG.log(Level.DEBUG, () -> "Webhook " + id + " of prompt " + promptId + " to " + loggable(url)
            + ": attempt " + attempt);
        c.enqueue(this);
        if (done.get()) {
          c.cancel(); // aborted by close() while we were starting the call
        }
      } catch (RuntimeException e) {
        LOG.log(Level.ERROR, "Webhook " + id + " of prompt " + promptId + " failed to start an attempt", e);
        finish(false, OptionalInt.empty(), "internal error: " + e);
      }
    }

    @Override
    public void onFailure(Call c, IOException e) {
      if (done.get()) {
        return;
      }
      retryOrGiveUp(describe(e), OptionalInt.empty(), null);
    }

    @Override
    public void onResponse(Call c, Response response) {
      int code;
      Duration retryAfter;
      try (response) {
        code = response.code();
        retryAfter = (code == 429 || code == 503) ? retryAfter(response) : null;
      }
      if (code >= 200 && code < 300) {
        finish(true, OptionalInt.of(code), null);
      } else if (retryable(code)) {
        retryOrGiveUp("HTTP " + code, OptionalInt.of(code), retryAfter);
      } else {
        LOG.log(Level.WARNING, () -> "Webhook " + id + " of prompt " + promptId + " to " + loggable(url)
            + " refused with HTTP " + code + (code < 400 ? " (redirects are not followed)" : "")
            + "; not retrying");
        finish(false, OptionalInt.of(code), "HTTP " + code);
      }
    }

    private void retryOrGiveUp(String reason, OptionalInt status, Duration retryAfter) {
      int attempt = attempts.get();
      if (attempt >= maxAttempts) {
        giveUp(reason + " after " + attempt + " attempts", status);
        return;
      }
      Duration delay = retryAfter != null ? min(retryAfter, maxBackoff) : backoff.delay(attempt);
      long elapsedThen = System.nanoTime() - startNanos + delay.toNanos();
      if (elapsedThen >= maxTotalNanos) {
        giveUp(reason + "; no time left for another attempt within " + Duration.ofNanos(maxTotalNanos).toMillis()
            + " ms", status);
        return;
      }
      LOG.log(Level.WARNING, () -> "Webhook " + id + " of prompt " + promptId + " to " + loggable(url)
          + " failed (" + reason + "); attempt " + (attempt + 1) + " of " + maxAttempts + " in "
          + delay.toMillis() + " ms");
      try {
        listener.onRetry(id, promptId, url, attempt, reason, delay);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "WebhookListener.onRetry threw", e);
      }
      schedule(delay.toNanos());
    }

    private void giveUp(String failure, OptionalInt status) {
      LOG.log(Level.WARNING, () -> "Webhook " + id + " of prompt " + promptId + " to " + loggable(url)
          + " given up: " + failure);
      finish(false, status, failure);
    }

    /** Gives up at the end of close()'s grace. */
    void abort() {
      if (finish(false, OptionalInt.empty(), "sender closed before delivery finished")) {
        ScheduledFuture<?> pendingRetry = next;
        if (pendingRetry != null) {
          pendingRetry.cancel(false);
        }
        Call c = call;
        if (c != null) {
          c.cancel();
        }
      }
    }

    private boolean finish(boolean delivered, OptionalInt status, String failure) {
      if (!done.compareAndSet(false, true)) {
        return false;
      }
      DeliveryReport report = new DeliveryReport(id, promptId, url, delivered, attempts.get(), status,
          Optional.ofNullable(failure), Duration.ofNanos(System.nanoTime() - startNanos));
      if (delivered) {
        LOG.log(Level.DEBUG, () -> "Webhook " + id + " of prompt " + promptId + " delivered: " + report);
      }
      try {
        if (delivered) {
          listener.onDelivered(report);
        } else {
          listener.onGaveUp(report);
        }
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "WebhookListener threw", e);
      }
      future.complete(report);
      // Only now is it idle: awaitIdle() and close() promise that every report is out when they return.
      inFlight.remove(this);
      synchronized (idle) {
        idle.notifyAll();
      }
      return true;
    }

    private Duration retryAfter(Response response) {
      String value = response.header("Retry-After");
      if (value == null) {
        return null;
      }
      try {
        return Duration.ofSeconds(Math.max(0, Long.parseLong(value.trim())));
      } catch (NumberFormatException notSeconds) {
        Date date = response.headers().getDate("Retry-After");
        if (date == null) {
          return null; // unparseable: fall back to our own backoff
        }
        Duration until = Duration.between(clock.instant(), date.toInstant());
        return until.isNegative() ? Duration.ZERO : until;
      }
    }
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  private static String describe(IOException e) {
    if (e instanceof InterruptedIOException) {
      return "timeout";
    }
    if (e instanceof ConnectException) {
      return "connection refused";
    }
    return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
  }

  /** Streams the payload into OkHttp's sink; replayable, so each attempt writes it again. */
  private static final class PayloadBody extends RequestBody {
    private final WebhookPayload payload;

    PayloadBody(WebhookPayload payload) {
      this.payload = payload;
    }

    @Override
    public MediaType contentType() {
      return JSON;
    }

    @Override
    public long contentLength() {
      return payload.contentLength();
    }

    @Override
    public void writeTo(BufferedSink sink) throws IOException {
      payload.writeTo(sink.outputStream());
    }
  }

  /**
   * Configures a {@link WebhookSender}. Not thread-safe; {@link #build()} may be called more than once.
   */
  public static final class Builder {
    private OkHttpClient okHttpClient;
    private String secret;
    private int maxAttempts = 8;
    private Duration initialBackoff = Duration.ofMillis(500);
    private boolean initialBackoffSet;
    private Duration maxBackoff = Duration.ofSeconds(30);
    private Duration maxTotalTime = Duration.ofMinutes(10);
    private Duration attemptTimeout = Duration.ofSeconds(30);
    private Duration shutdownGrace = Duration.ofSeconds(10);
    private Clock clock = Clock.systemUTC();
    private WebhookListener listener = WebhookListener.NONE;
    private int threads = 2;

    private Builder() {}

    /**
     * The HTTP client to derive from (with {@code newBuilder()}; redirects and OkHttp's silent retries are turned off
     * on the copy). Borrowed: {@link WebhookSender#close()} does not shut down its dispatcher or pool, and its socket
     * factory is kept (we set {@code TCP_NODELAY} only on clients we create; without it each POST can wait ~40 ms
     * for a delayed ACK). Defaults to a client of the sender's own, with daemon dispatcher threads and
     * {@code TCP_NODELAY} sockets, that close() shuts down.
     *
     * @param okHttpClient the client
     * @return this builder
     */
    public Builder okHttpClient(OkHttpClient okHttpClient) {
      this.okHttpClient = Objects.requireNonNull(okHttpClient, "okHttpClient");
      return this;
    }

    /**
     * Signs every request with this secret (Standard Webhooks): {@code whsec_<base64 key>}, or any other non-empty
     * string whose UTF-8 bytes are the key. Defaults to no signing. See {@link WebhookSignature}.
     *
     * @param secret the shared secret
     * @return this builder
     * @throws IllegalArgumentException if the secret is empty or its {@code whsec_} part is not base64
     */
    public Builder secret(String secret) {
      WebhookSignature.key(secret);
      this.secret = secret;
      return this;
    }

    /**
     * The most HTTP requests one delivery makes, the first included. Defaults to 8.
     *
     * @param maxAttempts at least 1
     * @return this builder
     * @throws IllegalArgumentException if less than 1
     */
    public Builder maxAttempts(int maxAttempts) {
      if (maxAttempts < 1) {
        throw new IllegalArgumentException("maxAttempts must be >= 1, was " + maxAttempts);
      }
      this.maxAttempts = maxAttempts;
      return this;
    }

    /**
     * The wait before the first retry (before jitter); it doubles for each further retry. Defaults to 500 ms, or to
     * {@link #maxBackoff} when that is set lower.
     *
     * @param initialBackoff positive, at most {@link #maxBackoff}
     * @return this builder
     * @throws IllegalArgumentException if not positive
     */
    public Builder initialBackoff(Duration initialBackoff) {
      this.initialBackoff = positive(initialBackoff, "initialBackoff");
      this.initialBackoffSet = true;
      return this;
    }

    /**
     * The longest wait between attempts, also capping a receiver's {@code Retry-After}. Defaults to 30 s.
     *
     * @param maxBackoff positive, at least {@link #initialBackoff}
     * @return this builder
     * @throws IllegalArgumentException if not positive
     */
    public Builder maxBackoff(Duration maxBackoff) {
      this.maxBackoff = positive(maxBackoff, "maxBackoff");
      return this;
    }

    /**
     * The longest one delivery may take, all attempts and waits included; no attempt starts or runs beyond it.
     * Defaults to 10 minutes.
     *
     * @param maxTotalTime positive
     * @return this builder
     * @throws IllegalArgumentException if not positive
     */
    public Builder maxTotalTime(Duration maxTotalTime) {
      this.maxTotalTime = positive(maxTotalTime, "maxTotalTime");
      return this;
    }

    /**
     * The longest one attempt may take, the whole HTTP exchange (OkHttp's call timeout). A
     * receiver that does not answer within it counts as a timeout and is retried. Defaults to 30 s.
     *
     * @param attemptTimeout positive
     * @return this builder
     * @throws IllegalArgumentException if not positive
     */
    public Builder attemptTimeout(Duration attemptTimeout) {
      this.attemptTimeout = positive(attemptTimeout, "attemptTimeout");
      return this;
    }

    /**
     * How long {@link WebhookSender#close()} waits for pending deliveries before giving them up. Defaults to 10 s.
     *
     * @param shutdownGrace zero or more
     * @return this builder
     * @throws IllegalArgumentException if negative
     */
    public Builder shutdownGrace(Duration shutdownGrace) {
      Objects.requireNonNull(shutdownGrace, "shutdownGrace");
      if (shutdownGrace.isNegative()) {
        throw new IllegalArgumentException("shutdownGrace must not be negative, was " + shutdownGrace);
      }
      this.shutdownGrace = shutdownGrace;
      return this;
    }

    /**
     * The clock for {@code webhook-timestamp} and for {@code Retry-After} dates. Defaults to the system UTC clock.
     *
     * @param clock the clock
     * @return this builder
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Observes deliveries, for metrics. Defaults to {@link WebhookListener#NONE}.
     *
     * @param listener the listener
     * @return this builder
     */
    public Builder listener(WebhookListener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /**
     * How many {@code comfylite-webhooks} threads start attempts and sign bodies (HTTP itself runs on OkHttp's
     * dispatcher). Defaults to 2.
     *
     * @param threads at least 1
     * @return this builder
     * @throws IllegalArgumentException if less than 1
     */
    public Builder threads(int threads) {
      if (threads < 1) {
        throw new IllegalArgumentException("threads must be >= 1, was " + threads);
      }
      this.threads = threads;
      return this;
    }

    /**
     * Creates the sender and its threads.
     *
     * @return the sender; close it when done
     * @throws IllegalArgumentException if an {@link #initialBackoff} that was set exceeds {@link #maxBackoff}
     */
    public WebhookSender build() {
      if (!initialBackoffSet && initialBackoff.compareTo(maxBackoff) > 0) {
        initialBackoff = maxBackoff; // the default gives way to a small maximum instead of failing
      }
      if (initialBackoff.compareTo(maxBackoff) > 0) {
        throw new IllegalArgumentException("initialBackoff " + initialBackoff + " exceeds maxBackoff " + maxBackoff);
      }
      return new WebhookSender(this);
    }

    private static Duration positive(Duration value, String name) {
      Objects.requireNonNull(value, name);
      if (value.isNegative() || value.isZero()) {
        throw new IllegalArgumentException(name + " must be positive, was " + value);
      }
      return value;
    }
  }
}
