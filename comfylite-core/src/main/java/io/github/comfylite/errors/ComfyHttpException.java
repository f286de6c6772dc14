package io.github.comfylite.errors;

/** ComfyUI answered an HTTP call with an unexpected status. */
public final class ComfyHttpException extends ComfyLiteException {
  private static final long serialVersionUID = 1L;

  /** The HTTP status; serialized with the exception. */
  private final int statusCode;
  /** The response body, never null; serialized with the exception. */
  private final String body;

  /**
   * Creates an exception for an unexpected HTTP status.
   *
   * @param message what was being done, e.g. {@code "POST /prompt"}
   * @param statusCode the HTTP status ComfyUI answered with
   * @param body the response body as text, possibly empty (ComfyUI often sends none)
   */
  public ComfyHttpException(String message, int statusCode, String body) {
    super(message + ": HTTP " + statusCode + (body == null || body.isEmpty() ? "" : ": " + abbreviate(body)));
    this.statusCode = statusCode;
    this.body = body == null ? "" : body;
  }

  /**
   * The HTTP status code ComfyUI answered with.
   *
   * @return the status, e.g. 500
   */
  public int statusCode() {
    return statusCode;
  }

  /**
   * The response body as text; empty when ComfyUI sent none.
   *
   * @return the body, never null
   */
  public String body() {
    return body;
  }

  private static String abbreviate(String s) {
    return s.length() <= 500 ? s : s.substring(0, 500) + "…";
  }
}
