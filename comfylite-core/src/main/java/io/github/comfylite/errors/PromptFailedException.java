package io.github.comfylite.errors;

import io.github.comfylite.result.FailureKind;
import java.util.Objects;
import java.util.Optional;

/**
 * A prompt ended without images: ComfyUI rejected it, a node raised, it was cancelled, interrupted, timed out or lost,
 * or ComfyUI was unreachable when it was submitted. {@link #kind()} says which.
 */
public final class PromptFailedException extends ComfyLiteException {
  private static final long serialVersionUID = 1L;

  /** The failed prompt's id; serialized with the exception. */
  private final String promptId;
  /** Why it failed; serialized with the exception. */
  private final FailureKind kind;
  /** The failing node's id, or null when ComfyUI named none; serialized with the exception. */
  private final String nodeId;
  /** The failing node's class type, or null when ComfyUI named none; serialized with the exception. */
  private final String nodeType;

  /**
   * Creates the exception for a failed prompt.
   *
   * @param promptId the prompt's id
   * @param kind why it failed
   * @param message ComfyUI's message, or ours
   * @param nodeId the node that failed, or {@code null}
   * @param nodeType that node's class_type, or {@code null}
   */
  public PromptFailedException(String promptId, FailureKind kind, String message, String nodeId, String nodeType) {
    super(message);
    this.promptId = Objects.requireNonNull(promptId, "promptId");
    this.kind = Objects.requireNonNull(kind, "kind");
    this.nodeId = nodeId;
    this.nodeType = nodeType;
  }

  /**
   * The id of the prompt that failed.
   *
   * @return the prompt id ComfyUI knows it by
   */
  public String promptId() {
    return promptId;
  }

  /**
   * Why the prompt failed.
   *
   * @return the failure's kind, e.g. a node error or a timeout
   */
  public FailureKind kind() {
    return kind;
  }

  /**
   * The id of the node that failed, when ComfyUI named one.
   *
   * @return the node id, or empty for failures not tied to a node (timeouts, cancellation, lost prompts)
   */
  public Optional<String> nodeId() {
    return Optional.ofNullable(nodeId);
  }

  /**
   * The class_type of the node that failed, when ComfyUI named one.
   *
   * @return the node's class type, e.g. {@code KSampler}, or empty when ComfyUI named no node
   */
  public Optional<String> nodeType() {
    return Optional.ofNullable(nodeType);
  }
}
