package io.github.comfylite.result;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ResultSinkTest {
  private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> new Thread(r, "comfylite-test"));

  @AfterEach
  void stopExecutor() {
    executor.shutdownNow();
  }

  @Test
  void callbackPassesTheOutcomeToTheConsumer() {
    BlockingQueue<Outcome> received = new LinkedBlockingQueue<>();
    Outcome outcome = WebhookSenderTest.failure("p-1");

    ResultSink.callback(received::add).deliver(outcome);

    assertThat(received).containsExactly(outcome);
  }

  @Test
  void callbackWithExecutorRunsTheConsumerThere() throws InterruptedException {
    BlockingQueue<String> threads = new LinkedBlockingQueue<>();

    ResultSink.callback(o -> threads.add(Thread.currentThread().getName() + " " + o.promptId()), executor)
        .deliver(WebhookSenderTest.failure("p-2"));

    assertThat(threads.poll(5, TimeUnit.SECONDS)).isEqualTo("comfylite-test p-2");
  }

  @Test
  void callbackWithExecutorNeverThrowsNorStopsTheExecutor() throws InterruptedException {
    BlockingQueue<String> after = new LinkedBlockingQueue<>();
    ResultSink failing = ResultSink.callback(o -> {
      throw new IllegalStateException("consumer bug");
    }, executor);

    assertThatCode(() -> failing.deliver(WebhookSenderTest.failure("p-3"))).doesNotThrowAnyException();
    ResultSink.callback(o -> after.add(o.promptId()), executor).deliver(WebhookSenderTest.failure("p-4"));

    assertThat(after.poll(5, TimeUnit.SECONDS)).isEqualTo("p-4");
  }

  @Test
  void callbackWithRefusingExecutorIsLoggedNotThrown() {
    ResultSink sink = ResultSink.callback(o -> {}, task -> {
      throw new RejectedExecutionException("full");
    });

    assertThatCode(() -> sink.deliver(WebhookSenderTest.failure("p-5"))).doesNotThrowAnyException();
  }
}
