package io.github.comfylite.result;

import java.net.URI;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * Receives the {@link Outcome} of each prompt it is attached to, exactly once per prompt.
 *
 * <p>ComfyLite calls {@link #deliver} on its {@code comfylite-callbacks} executor, never on the socket or event-loop
 * thread. An implementation must return quickly (hand slow work, such as HTTP delivery, to its own threads) and
 * should not throw: an exception is logged at WARNING and never affects another sink or the prompt.
 */
@FunctionalInterface
public interface ResultSink {

  /**
   * Receives the outcome of one prompt.
   *
   * @param outcome how the prompt ended
   */
  void deliver(Outcome outcome);

  /**
   * A sink that passes each outcome to {@code consumer}.
   *
   * @param consumer called once per prompt on ComfyLite's callback executor
   * @return the sink
   */
  static ResultSink callback(Consumer<? super Outcome> consumer) {
    Objects.requireNonNull(consumer, "consumer");
    return consumer::accept;
  }

  /**
   * A sink that hands each outcome to {@code consumer} on {@code executor}, for consumers that are slow or must run
   * on a thread of their own (a UI thread, a bounded pool). {@code deliver} returns at once and never throws: an
   * exception from the consumer, or the executor refusing the task, is logged at WARNING with the prompt id.
   *
   * @param consumer called once per prompt on {@code executor}
   * @param executor runs the consumer; borrowed, never shut down by ComfyLite
   * @return the sink
   */
  static ResultSink callback(Consumer<? super Outcome> consumer, Executor executor) {
    Objects.requireNonNull(consumer, "consumer");
    Objects.requireNonNull(executor, "executor");
    return new ExecutorCallbackSink(consumer, executor);
  }

  /**
   * A sink that POSTs each outcome to {@code url} through a process-wide {@link WebhookSender} with the default
   * settings (no signing; 8 attempts within 10 minutes). Its daemon threads are created on first use and a JVM
   * shutdown hook gives pending deliveries the default grace to finish. For signing, other retry limits or a shared
   * {@code OkHttpClient}, build a {@link WebhookSender} and use {@link WebhookSender#sink(URI)}.
   *
   * @param url an absolute {@code http} or {@code https} URL
   * @return the sink; its {@code deliver} returns at once and never throws
   * @throws IllegalArgumentException if {@code url} is not an absolute http(s) URL
   */
  static WebhookSink webhook(URI url) {
    return WebhookSender.defaultSender().sink(url);
  }
}
