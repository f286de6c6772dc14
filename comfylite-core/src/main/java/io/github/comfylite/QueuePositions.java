package io.github.comfylite;

import io.github.comfylite.client.QueueSnapshot;
import io.github.comfylite.errors.ComfyLiteException;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Queue positions for {@link ComfyLite#status}, from one {@code GET /queue} snapshot shared by every caller for
 * {@code maxAge}: a server polled by many clients asks ComfyUI at most once per {@code maxAge}, however many prompts
 * are polled. ComfyUI's POST reply cannot give the position ({@code number} is a priority, protocol §9.2), so the
 * queue is the only source.
 *
 * <p>Blocks the calling thread for the fetch (bounded by the client's request timeout); never call it on the event
 * loop. Concurrent callers wait for one fetch instead of each starting their own. A failed fetch is remembered for
 * {@code maxAge} too, so an unreachable ComfyUI is not hammered either.
 */
final class QueuePositions {
  private static final System.Logger LOG = System.getLogger(QueuePositions.class.getName());

  private final Supplier<QueueSnapshot> fetch;
  private final LongSupplier nanoTime;
  private final long maxAgeNanos;
  // Guarded by this.
  private Optional<QueueSnapshot> snapshot = Optional.empty();
  private long fetchedAt;
  private boolean fetched;

  QueuePositions(Supplier<QueueSnapshot> fetch, Duration maxAge, LongSupplier nanoTime) {
    this.fetch = fetch;
    this.maxAgeNanos = maxAge.toNanos();
    this.nanoTime = nanoTime;
  }

  /**
   * The prompt's place among ComfyUI's pending prompts (0 runs next), counting every client's prompts ahead of it.
   *
   * @return empty if it is not pending in the snapshot (running, not yet accepted, already gone) or the queue could
   *     not be read
   */
  OptionalInt position(String promptId) {
    Optional<QueueSnapshot> queue = current();
    return queue.isPresent() ? queue.get().position(promptId) : OptionalInt.empty();
  }

  private synchronized Optional<QueueSnapshot> current() {
    long now = nanoTime.getAsLong();
    if (fetched && now - fetchedAt < maxAgeNanos) {
      return snapshot;
    }
    try {
      snapshot = Optional.of(fetch.get());
    } catch (ComfyLiteException e) {
      LOG.log(System.Logger.Level.DEBUG, () -> "could not read ComfyUI's queue for a position: " + e.getMessage());
      snapshot = Optional.empty();
    }
    // Age from the end of the fetch: a slow ComfyUI must not make every caller fetch again at once.
    fetchedAt = nanoTime.getAsLong();
    fetched = true;
    return snapshot;
  }
}
