package io.github.comfylite;

import io.github.comfylite.result.GenerationResult;
import io.github.comfylite.result.ResultSink;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
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

  private ComfyLite(Builder builder) {
    throw new UnsupportedOperationException("the prompt tracker behind ComfyLite is not merged yet");
  }

  /** Starts configuring an instance. */
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
    throw new UnsupportedOperationException();
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
   * running (only that prompt, never another client's). Its outcome becomes {@code Failed(CANCELLED)}.
   *
   * @param promptId the prompt's id
   * @return {@code true} if the prompt was in flight and will end as cancelled; {@code false} if it is unknown or
   *     has already ended
   */
  public boolean cancel(String promptId) {
    throw new UnsupportedOperationException();
  }

  /**
   * The status of a prompt submitted through this instance: in flight, or among the most recently finished ones.
   *
   * @param promptId the prompt's id
   * @return its status, or empty if it is unknown or finished too long ago
   */
  public Optional<PromptStatus> status(String promptId) {
    throw new UnsupportedOperationException();
  }

  /** The number of accepted prompts that have not ended yet. */
  public int inFlight() {
    throw new UnsupportedOperationException();
  }

  /** A sink that POSTs outcomes to {@code url} through this instance's webhook sender. */
  public ResultSink webhookSink(URI url) {
    throw new UnsupportedOperationException();
  }

  /**
   * Shuts down: refuses new work, ends every pending prompt with {@code Failed(CANCELLED, "ComfyLite was closed")} on
   * every sink, waits a bounded time for those deliveries (and webhook deliveries of its own sender), closes the
   * WebSocket, and stops its own threads. Borrowed clients and executors are not shut down. Safe to call more than
   * once; never throws.
   */
  @Override
  public void close() {}

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

    private Builder() {}

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
     * Borrowed: not shut down by {@link ComfyLite#close()}. Defaults to a client of ComfyLite's own.
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
     * @param clientId the id
     * @return this builder
     */
    public Builder clientId(String clientId) {
      Objects.requireNonNull(clientId, "clientId");
      if (clientId.isBlank()) {
        throw new IllegalArgumentException("clientId must not be blank");
      }
      this.clientId = clientId;
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
