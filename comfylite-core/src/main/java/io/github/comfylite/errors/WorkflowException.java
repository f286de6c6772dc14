package io.github.comfylite.errors;

import java.nio.file.Path;
import java.util.Optional;

/**
 * A workflow could not be loaded or built: a missing or malformed template or mapping file, a mapping that points at
 * a node or input that does not exist, or a parameter value of the wrong type or out of range. The message names the
 * file, the key and what is allowed.
 */
public final class WorkflowException extends ComfyLiteException {
  private static final long serialVersionUID = 1L;

  /** The workflow's name, or null; serialized with the exception. */
  private final String workflow;
  private final transient Path file;
  /** The key or JSON path at fault, or null; serialized with the exception. */
  private final String key;

  /**
   * Creates a workflow error.
   *
   * @param workflow the workflow's name, or {@code null} when the error is not about one workflow
   * @param file the file at fault, or {@code null}
   * @param key the key or JSON path at fault (for example {@code node_mappings.seed.node_id}), or {@code null}
   * @param message what is wrong and what is allowed
   */
  public WorkflowException(String workflow, Path file, String key, String message) {
    this(workflow, file, key, message, null);
  }

  /**
   * Creates a workflow error with a cause.
   *
   * @param workflow the workflow's name, or {@code null}
   * @param file the file at fault, or {@code null}
   * @param key the key or JSON path at fault, or {@code null}
   * @param message what is wrong and what is allowed
   * @param cause the underlying parse error, or {@code null}
   */
  public WorkflowException(String workflow, Path file, String key, String message, Throwable cause) {
    super(message, cause);
    this.workflow = workflow;
    this.file = file;
    this.key = key;
  }

  /**
   * The workflow's name, when the error concerns one workflow.
   *
   * @return the workflow's name, or empty for errors not tied to one workflow
   */
  public Optional<String> workflow() {
    return Optional.ofNullable(workflow);
  }

  /**
   * The file at fault, when there is one.
   *
   * @return the template or mapping file, or empty when the error is not in a file (e.g. a bad parameter value)
   */
  public Optional<Path> file() {
    return Optional.ofNullable(file);
  }

  /**
   * The key or JSON path at fault, when there is one.
   *
   * @return the key (e.g. {@code parameters.seed.targets}) or JSON path, or empty when the error concerns a whole file
   */
  public Optional<String> key() {
    return Optional.ofNullable(key);
  }
}
