package io.github.comfylite.internal;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * Exponential backoff with "equal jitter": the n-th retry waits a random time in {@code [cap/2, cap]}, where
 * {@code cap = min(max, initial * 2^(n-1))}. Not API.
 *
 * <p>Equal rather than full jitter, so that the wait really grows with each retry (full jitter can draw close to
 * zero and hammer a struggling server), while clients that failed together still spread out. Immutable and
 * thread-safe.
 */
public final class Backoff {
  private final long initialNanos;
  private final long maxNanos;
  private final DoubleSupplier random;

  private Backoff(Duration initial, Duration max, DoubleSupplier random) {
    Objects.requireNonNull(initial, "initial");
    Objects.requireNonNull(max, "max");
    if (initial.isNegative() || initial.isZero()) {
      throw new IllegalArgumentException("initial backoff must be positive, was " + initial);
    }
    if (max.compareTo(initial) < 0) {
      throw new IllegalArgumentException("max backoff " + max + " is less than initial backoff " + initial);
    }
    this.initialNanos = initial.toNanos();
    this.maxNanos = max.toNanos();
    this.random = Objects.requireNonNull(random, "random");
  }

  /**
   * A backoff from {@code initial} doubling up to {@code max}, jittered with {@link ThreadLocalRandom}.
   *
   * @param initial the cap of the first retry's wait; positive
   * @param max the largest cap; at least {@code initial}
   * @return the backoff
   * @throws IllegalArgumentException if a duration is out of range
   */
  public static Backoff exponential(Duration initial, Duration max) {
    return new Backoff(initial, max, () -> ThreadLocalRandom.current().nextDouble());
  }

  /**
   * Like {@link #exponential(Duration, Duration)} with a chosen random source, for tests.
   *
   * @param initial the cap of the first retry's wait; positive
   * @param max the largest cap; at least {@code initial}
   * @param random returns values in {@code [0, 1)}
   * @return the backoff
   */
  public static Backoff exponential(Duration initial, Duration max, DoubleSupplier random) {
    return new Backoff(initial, max, random);
  }

  /**
   * How long to wait before the given retry.
   *
   * @param retry 1 for the first retry (after the first failure), 2 for the second, …
   * @return a wait in {@code [cap/2, cap]}
   * @throws IllegalArgumentException if {@code retry < 1}
   */
  public Duration delay(int retry) {
    if (retry < 1) {
      throw new IllegalArgumentException("retry must be >= 1, was " + retry);
    }
    long cap = maxNanos;
    // initial * 2^(retry-1), stopping before it can overflow.
    if (retry - 1 < Long.numberOfLeadingZeros(initialNanos) - 1) {
      cap = Math.min(maxNanos, initialNanos << (retry - 1));
    }
    long half = cap / 2;
    return Duration.ofNanos(half + (long) (random.getAsDouble() * (cap - half)));
  }

  /**
   * The largest wait this backoff returns.
   *
   * @return the cap that growing waits stop at
   */
  public Duration max() {
    return Duration.ofNanos(maxNanos);
  }
}
