package io.github.comfylite.errors;

/**
 * The root of every exception ComfyLite throws for a failure outside the caller's control (ComfyUI's answers, the
 * network, workflow files, failed prompts). Misuse of the API gets the JDK's {@link IllegalArgumentException} or
 * {@link IllegalStateException} instead.
 */
public abstract sealed class ComfyLiteException extends RuntimeException
    permits ComfyHttpException, ComfyIoException, WorkflowException, PromptFailedException {

  private static final long serialVersionUID = 1L;

  ComfyLiteException(String message) {
    super(message);
  }

  ComfyLiteException(String message, Throwable cause) {
    super(message, cause);
  }
}
