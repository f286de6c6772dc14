package io.github.comfylite;

import io.github.comfylite.result.ResultSink;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One generation to run: a workflow name, its parameter values, and where the outcome goes.
 *
 * <p>Immutable and safe to share; use {@link #toBuilder()} to derive a variant.
 *
 * <pre>{@code
 * GenerationRequest request = GenerationRequest.builder("starter")
 *     .param("prompt", "a lighthouse at dusk")
 *     .param("seed", 42)
 *     .addSink(comfy.webhookSink(URI.create("https://example.com/hook")))
 *     .timeout(Duration.ofMinutes(2))
 *     .build();
 * }</pre>
 */
public final class GenerationRequest {
  private final String workflow;
  private final Map<String, Object> params;
  private final List<ResultSink> sinks;
  private final ComfyLiteListener listener;
  private final Duration timeout;

  private GenerationRequest(Builder b) {
    this.workflow = b.workflow;
    this.params = Collections.unmodifiableMap(new LinkedHashMap<>(b.params));
    this.sinks = List.copyOf(b.sinks);
    this.listener = b.listener;
    this.timeout = b.timeout;
  }

  /**
   * Starts a request for the workflow called {@code workflow} (a template and mapping pair in the workflow
   * directories).
   *
   * @param workflow the workflow's name
   * @return a builder
   * @throws IllegalArgumentException if the name is blank
   */
  public static Builder builder(String workflow) {
    return new Builder(workflow);
  }

  /**
   * A builder holding this request's values.
   *
   * @return a new builder; changing it leaves this request as it is
   */
  public Builder toBuilder() {
    Builder b = new Builder(workflow);
    b.params.putAll(params);
    b.sinks.addAll(sinks);
    b.listener = listener;
    b.timeout = timeout;
    return b;
  }

  /**
   * The workflow's name.
   *
   * @return the name of the workflow to run, e.g. {@code starter}
   */
  public String workflow() {
    return workflow;
  }

  /**
   * The parameter values, in the order they were set; unmodifiable. Unset parameters take their defaults.
   *
   * @return parameter name → value, as passed to the builder
   */
  public Map<String, Object> params() {
    return params;
  }

  /**
   * Sinks for this request only, in addition to the ones configured on {@link ComfyLite}; unmodifiable.
   *
   * @return the request's own sinks, possibly empty
   */
  public List<ResultSink> sinks() {
    return sinks;
  }

  /**
   * The listener for this request only, in addition to the global one; {@link ComfyLiteListener#NONE} if unset.
   *
   * @return the request's own listener, never null
   */
  public ComfyLiteListener listener() {
    return listener;
  }

  /**
   * The overall timeout for this request, overriding {@link ComfyLite.Builder#promptTimeout}, if set.
   *
   * @return the request's own timeout, or empty to use the instance's
   */
  public Optional<Duration> timeout() {
    return Optional.ofNullable(timeout);
  }

  @Override
  public String toString() {
    // Parameter values may be prompt text: log names only.
    return "GenerationRequest{workflow=" + workflow + ", params=" + params.keySet() + ", sinks=" + sinks.size()
        + (timeout == null ? "" : ", timeout=" + timeout) + "}";
  }

  /** Builds a {@link GenerationRequest}. Not thread-safe. */
  public static final class Builder {
    private final String workflow;
    private final Map<String, Object> params = new LinkedHashMap<>();
    private final List<ResultSink> sinks = new ArrayList<>();
    private ComfyLiteListener listener = ComfyLiteListener.NONE;
    private Duration timeout;

    private Builder(String workflow) {
      Objects.requireNonNull(workflow, "workflow");
      if (workflow.isBlank()) {
        throw new IllegalArgumentException("workflow must not be blank");
      }
      this.workflow = workflow;
    }

    /**
     * Sets one parameter, replacing an earlier value for the same name.
     *
     * @param name the parameter's name in the workflow's mapping
     * @param value its value: a string, number, boolean, or an image input as the workflow's mapping allows
     * @return this builder
     */
    public Builder param(String name, Object value) {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(value, () -> "value of parameter " + name);
      params.put(name, value);
      return this;
    }

    /**
     * Sets several parameters, replacing earlier values for the same names.
     *
     * @param values parameter names and values
     * @return this builder
     */
    public Builder params(Map<String, ?> values) {
      Objects.requireNonNull(values, "values");
      values.forEach(this::param);
      return this;
    }

    /**
     * Adds a sink that receives this request's outcome, once.
     *
     * @param sink the sink
     * @return this builder
     */
    public Builder addSink(ResultSink sink) {
      sinks.add(Objects.requireNonNull(sink, "sink"));
      return this;
    }

    /**
     * Sets a listener for this request, called in addition to the global listener.
     *
     * @param listener the listener
     * @return this builder
     */
    public Builder listener(ComfyLiteListener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /**
     * Sets the overall time this request may take from submission to outcome; when it passes, the prompt fails with
     * {@code TIMEOUT} and is cancelled in ComfyUI. There is no inactivity timeout: silence is not failure.
     *
     * @param timeout a positive duration
     * @return this builder
     * @throws IllegalArgumentException if it is zero or negative
     */
    public Builder timeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isZero() || timeout.isNegative()) {
        throw new IllegalArgumentException("timeout must be positive, was " + timeout);
      }
      this.timeout = timeout;
      return this;
    }

    /**
     * Builds the request.
     *
     * @return an immutable request, reusable for any number of submissions
     */
    public GenerationRequest build() {
      return new GenerationRequest(this);
    }
  }
}
