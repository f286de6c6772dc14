package io.github.comfylite;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.IntNode;
import io.github.comfylite.client.QueueItem;
import io.github.comfylite.client.QueueSnapshot;
import io.github.comfylite.errors.ComfyIoException;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** The shared, short-lived {@code GET /queue} reading behind {@link ComfyLite#status}'s queue position. */
class QueuePositionsTest {
  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final AtomicInteger fetches = new AtomicInteger();

  private static QueueSnapshot pending(String... ids) {
    List<QueueItem> items = new java.util.ArrayList<>();
    for (int i = 0; i < ids.length; i++) {
      items.add(new QueueItem(IntNode.valueOf(i), ids[i], Optional.empty()));
    }
    return new QueueSnapshot(List.of(), items);
  }

  private QueuePositions positions(Supplier<QueueSnapshot> queue) {
    return new QueuePositions(() -> {
      fetches.incrementAndGet();
      return queue.get();
    }, Duration.ofMillis(500), now::get);
  }

  @Test
  void positionIsZeroBasedAmongThePendingPrompts() {
    QueuePositions positions = positions(() -> pending("a", "b", "c"));

    assertThat(positions.position("a")).hasValue(0);
    assertThat(positions.position("c")).hasValue(2);
    assertThat(positions.position("unknown")).isEmpty();
  }

  @Test
  void oneQueueReadingAnswersEveryCallWithinMaxAge() {
    QueuePositions positions = positions(() -> pending("a", "b"));

    positions.position("a");
    now.addAndGet(Duration.ofMillis(499).toNanos());
    positions.position("b");
    positions.position("a");

    assertThat(fetches).hasValue(1);
  }

  @Test
  void theQueueIsReadAgainOnceTheReadingIsOlderThanMaxAge() {
    AtomicReferenceQueue queue = new AtomicReferenceQueue(pending("a", "b"));
    QueuePositions positions = positions(queue);
    assertThat(positions.position("b")).hasValue(1);

    queue.set(pending("b"));
    now.addAndGet(Duration.ofMillis(500).toNanos());

    assertThat(positions.position("b")).hasValue(0);
    assertThat(fetches).hasValue(2);
  }

  @Test
  void anUnreadableQueueGivesNoPositionAndIsNotAskedAgainWithinMaxAge() {
    QueuePositions positions = positions(() -> {
      throw new ComfyIoException("GET /queue failed", new IOException("connection refused"));
    });

    assertThat(positions.position("a")).isEmpty();
    assertThat(positions.position("a")).isEmpty();

    assertThat(fetches).hasValue(1);
  }

  private static final class AtomicReferenceQueue implements Supplier<QueueSnapshot> {
    private volatile QueueSnapshot snapshot;

    AtomicReferenceQueue(QueueSnapshot snapshot) {
      this.snapshot = snapshot;
    }

    void set(QueueSnapshot snapshot) {
      this.snapshot = snapshot;
    }

    @Override
    public QueueSnapshot get() {
      return snapshot;
    }
  }
}
