package io.github.comfylite.result;

/** Why a prompt ended without a result. */
public enum FailureKind {
  /** ComfyUI rejected the graph (HTTP 400); the details carry its {@code node_errors}. */
  VALIDATION,
  /** A node raised while running; the details carry the node id, its type and the exception message. */
  EXECUTION,
  /** We cancelled it: the caller cancelled the future or called {@code cancel}, or ComfyLite was closed. */
  CANCELLED,
  /** Someone else interrupted it on the ComfyUI server. */
  INTERRUPTED,
  /** It did not finish within the request's overall timeout. */
  TIMEOUT,
  /** ComfyUI no longer knows the prompt, for example because it was restarted. */
  LOST,
  /** ComfyUI could not be reached when the prompt was submitted. */
  UNAVAILABLE,
  /**
   * ComfyUI finished the prompt but there is no result to deliver: it produced no images although the workflow
   * declares image outputs, or its SaveImageWebsocket images were sent while our socket was down and are gone.
   */
  NO_RESULT;

  /**
   * The name in JSON: the webhook's {@code kind} and the server's {@code GET /prompts/{id}}.
   *
   * @return the lowercase name, e.g. {@code no_result}
   */
  public String wireName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
