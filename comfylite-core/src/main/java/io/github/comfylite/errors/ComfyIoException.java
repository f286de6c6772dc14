package io.github.comfylite.errors;

import java.io.IOException;

/** ComfyUI could not be reached, or the connection failed mid-call. Wraps the {@link IOException}. */
public final class ComfyIoException extends ComfyLiteException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception for a failed network call.
   *
   * @param message what was being done, e.g. {@code "GET /history/abc"}
   * @param cause the I/O failure
   */
  public ComfyIoException(String message, IOException cause) {
    super(message + ": " + cause, cause);
  }

  @Override
  public synchronized IOException getCause() {
    return (IOException) super.getCause();
  }
}
