package io.github.comfylite.tracker;

import java.time.Duration;

/** Counts tasks handed to another executor, so {@code close()} can wait a bounded time for them to finish. */
final class PendingTasks {
  private int count;

  synchronized void increment() {
    count++;
  }

  synchronized void decrement() {
    if (--count <= 0) {
      count = 0;
      notifyAll();
    }
  }

  synchronized int count() {
    return count;
  }

  /** Waits until no task is pending, at most {@code timeout}; returns whether none is. */
  synchronized boolean await(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (count > 0) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      try {
        wait(Math.max(1, left / 1_000_000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return count == 0;
      }
    }
    return true;
  }
}
