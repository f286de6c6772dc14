package io.github.comfylite;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Records one logger's messages, DEBUG included, for a test that must wait until the library has reached a point it
 * only logs. {@code System.Logger} goes to {@code java.util.logging} when no other backend is installed; DEBUG is
 * FINE there.
 */
final class LogRecorder extends Handler implements AutoCloseable {
  private final Logger logger; // held: java.util.logging forgets the level of a logger nobody references
  private final Level previousLevel;
  private final List<String> messages = new CopyOnWriteArrayList<>();

  LogRecorder(String loggerName) {
    logger = Logger.getLogger(loggerName);
    previousLevel = logger.getLevel();
    setLevel(Level.ALL);
    logger.setLevel(Level.FINE);
    logger.addHandler(this);
  }

  /** Whether a message so far contains {@code text}. */
  boolean contains(String text) {
    return messages.stream().anyMatch(m -> m.contains(text));
  }

  @Override
  public void publish(LogRecord record) {
    messages.add(String.valueOf(record.getMessage()));
  }

  @Override
  public void flush() {}

  @Override
  public void close() {
    logger.removeHandler(this);
    logger.setLevel(previousLevel);
  }
}
