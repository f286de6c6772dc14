package io.github.comfylite.tracker;

import io.github.comfylite.result.Outcome;
import java.util.Objects;
import java.util.Optional;

/**
 * What the tracker knows about one prompt at a moment.
 *
 * @param promptId the prompt's id
 * @param workflow its workflow's name
 * @param phase where it is
 * @param nodeId the node that reported progress last, or empty
 * @param value that node's progress value
 * @param max that node's progress maximum
 * @param nodesDone nodes of this run that have finished
 * @param nodesTotal nodes this run executes, {@code 0} when unknown
 * @param outcome how it ended, once {@link Phase#FINISHED}
 */
public record PromptSnapshot(
    String promptId,
    String workflow,
    Phase phase,
    Optional<String> nodeId,
    double value,
    double max,
    int nodesDone,
    int nodesTotal,
    Optional<Outcome> outcome) {

  /**
   * Checks the components are present.
   *
   * @param promptId the prompt's id
   * @param workflow its workflow's name
   * @param phase where it is
   * @param nodeId the node that reported progress last, or empty
   * @param value that node's progress value
   * @param max that node's progress maximum
   * @param nodesDone nodes of this run that have finished
   * @param nodesTotal nodes this run executes, {@code 0} when unknown
   * @param outcome how it ended, once {@link Phase#FINISHED}
   */
  public PromptSnapshot {
    Objects.requireNonNull(promptId, "promptId");
    Objects.requireNonNull(workflow, "workflow");
    Objects.requireNonNull(phase, "phase");
    Objects.requireNonNull(nodeId, "nodeId");
    Objects.requireNonNull(outcome, "outcome");
  }

  /** Where a prompt is. */
  public enum Phase {
    /** Submitted or waiting in ComfyUI's queue. */
    QUEUED,
    /** Running in ComfyUI, or its images are being collected. */
    RUNNING,
    /** Ended; see the outcome. */
    FINISHED
  }
}
