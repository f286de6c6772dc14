package io.github.comfylite.result;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.Objects;
import java.util.Optional;

/**
 * How one prompt ended: {@link Succeeded} with its images, or {@link Failed} with a {@link FailureKind}. Every
 * accepted prompt ends in exactly one outcome, and every sink of the prompt receives that same outcome once.
 *
 * <p>Java 17 has no pattern {@code switch}; use {@link #isSucceeded()} with {@link #asSucceeded()} /
 * {@link #asFailed()}, or {@code instanceof}.
 */
public sealed interface Outcome permits Outcome.Succeeded, Outcome.Failed {

  /**
   * The ComfyUI prompt id.
   *
   * @return the id ComfyUI knows the prompt by
   */
  String promptId();

  /**
   * The name of the workflow the prompt was built from.
   *
   * @return the workflow's name
   */
  String workflow();

  /**
   * Whether this is a {@link Succeeded}.
   *
   * @return true for {@link Succeeded}, false for {@link Failed}
   */
  default boolean isSucceeded() {
    return this instanceof Succeeded;
  }

  /**
   * This outcome as a {@link Succeeded}.
   *
   * @return this outcome, cast
   * @throws IllegalStateException if it is a {@link Failed}
   */
  default Succeeded asSucceeded() {
    if (this instanceof Succeeded s) {
      return s;
    }
    throw new IllegalStateException("outcome of prompt " + promptId() + " is a failure: " + ((Failed) this).message());
  }

  /**
   * This outcome as a {@link Failed}.
   *
   * @return this outcome, cast
   * @throws IllegalStateException if it is a {@link Succeeded}
   */
  default Failed asFailed() {
    if (this instanceof Failed f) {
      return f;
    }
    throw new IllegalStateException("outcome of prompt " + promptId() + " is a success");
  }

  /**
   * The prompt finished and its images were collected.
   *
   * @param result the images and facts of the run
   */
  record Succeeded(GenerationResult result) implements Outcome {
    /**
     * Checks the result is present.
     *
     * @param result the images and facts of the run
     */
    public Succeeded {
      Objects.requireNonNull(result, "result");
    }

    @Override
    public String promptId() {
      return result.promptId();
    }

    @Override
    public String workflow() {
      return result.workflow();
    }
  }

  /**
   * The prompt ended without a result.
   *
   * @param promptId the ComfyUI prompt id
   * @param workflow the workflow's name
   * @param kind why it failed
   * @param message a human-readable message: ComfyUI's own where it gave one
   * @param nodeId the failing node's id, where ComfyUI named one (execution errors)
   * @param nodeType the failing node's class_type, where ComfyUI named one
   * @param details ComfyUI's raw data about the failure: {@code node_errors} for {@link FailureKind#VALIDATION},
   *     the {@code execution_error} event's data for {@link FailureKind#EXECUTION}, otherwise an empty object
   */
  record Failed(
      String promptId,
      String workflow,
      FailureKind kind,
      String message,
      Optional<String> nodeId,
      Optional<String> nodeType,
      JsonNode details)
      implements Outcome {

    /**
     * Checks the components are present.
     *
     * @param promptId the ComfyUI prompt id
     * @param workflow the workflow's name
     * @param kind why it failed
     * @param message a human-readable message: ComfyUI's own where it gave one
     * @param nodeId the failing node's id, where ComfyUI named one (execution errors)
     * @param nodeType the failing node's class_type, where ComfyUI named one
     * @param details ComfyUI's raw data about the failure: {@code node_errors} for {@link FailureKind#VALIDATION},
     *     the {@code execution_error} event's data for {@link FailureKind#EXECUTION}, otherwise an empty object
     */
    public Failed {
      Objects.requireNonNull(promptId, "promptId");
      Objects.requireNonNull(workflow, "workflow");
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(message, "message");
      Objects.requireNonNull(nodeId, "nodeId");
      Objects.requireNonNull(nodeType, "nodeType");
      details = details == null ? JsonNodeFactory.instance.objectNode() : details;
    }

    /**
     * A failure with no node and no details.
     *
     * @param promptId the ComfyUI prompt id
     * @param workflow the workflow's name
     * @param kind why it failed
     * @param message what happened
     * @return the failure
     */
    public static Failed of(String promptId, String workflow, FailureKind kind, String message) {
      return new Failed(promptId, workflow, kind, message, Optional.empty(), Optional.empty(), null);
    }
  }
}
