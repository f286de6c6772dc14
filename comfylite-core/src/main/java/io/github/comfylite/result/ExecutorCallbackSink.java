package io.github.comfylite.result;

import java.lang.System.Logger.Level;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

/** {@link ResultSink#callback(Consumer, Executor)}: runs the consumer on the caller's executor, never throws. */
final class ExecutorCallbackSink implements ResultSink {
  private static final System.Logger LOG = System.getLogger(ExecutorCallbackSink.class.getName());

  private final Consumer<? super Outcome> consumer;
  private final Executor executor;

  ExecutorCallbackSink(Consumer<? super Outcome> consumer, Executor executor) {
    this.consumer = consumer;
    this.executor = executor;
  }

  @Override
  public void deliver(Outcome outcome) {
    try {
      executor.execute(() -> {
        try {
          consumer.accept(outcome);
        } catch (RuntimeException e) {
          LOG.log(Level.WARNING, "Callback for prompt " + outcome.promptId() + " threw", e);
        }
      });
    } catch (RejectedExecutionException e) {
      LOG.log(Level.WARNING, () -> "Callback for prompt " + outcome.promptId() + " not run: its executor refused it ("
          + e.getMessage() + ")");
    }
  }
}
