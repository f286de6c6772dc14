package io.github.comfylite.tracker;

import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * The download of one output file, started when an {@code executed} event names it. A {@link FutureTask}, so a
 * thread that needs the bytes before the I/O pool got to it can run it itself; {@link #ended()} lets the event loop
 * wait for it without blocking.
 */
final class Download extends FutureTask<byte[]> {
  private final CompletableFuture<Void> ended = new CompletableFuture<>();

  Download(Callable<byte[]> fetch) {
    super(fetch);
  }

  @Override
  protected void done() {
    ended.complete(null);
  }

  /** Completes (normally) once the download succeeded, failed or was cancelled; on the thread that ended it. */
  CompletableFuture<Void> ended() {
    return ended;
  }

  /** The bytes if the download has ended and succeeded; otherwise {@code null}. Never blocks. */
  byte[] bytesIfDone() {
    if (!isDone()) {
      return null;
    }
    try {
      return get();
    } catch (ExecutionException | CancellationException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }
}
