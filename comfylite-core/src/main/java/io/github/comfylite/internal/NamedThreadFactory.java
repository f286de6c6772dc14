package io.github.comfylite.internal;

import java.util.Objects;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Makes daemon threads named {@code <prefix>-1}, {@code <prefix>-2}, … Not API.
 *
 * <p>Daemon, because a library must never keep the JVM alive after the application's {@code main} returns; the owner
 * of each executor still shuts it down in {@code close()}.
 */
public final class NamedThreadFactory implements ThreadFactory {
  private final String prefix;
  private final AtomicInteger next = new AtomicInteger(1);

  /**
   * Creates a factory.
   *
   * @param prefix the thread name prefix; must start with {@code comfylite-}
   * @throws IllegalArgumentException if the prefix does not start with {@code comfylite-}
   */
  public NamedThreadFactory(String prefix) {
    Objects.requireNonNull(prefix, "prefix");
    if (!prefix.startsWith("comfylite-")) {
      throw new IllegalArgumentException("thread name prefix must start with 'comfylite-', was '" + prefix + "'");
    }
    this.prefix = prefix;
  }

  @Override
  public Thread newThread(Runnable task) {
    Thread thread = new Thread(task, prefix + "-" + next.getAndIncrement());
    thread.setDaemon(true);
    return thread;
  }
}
