package io.github.comfylite;

import io.github.comfylite.result.Outcome;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A snapshot of one prompt, as {@link ComfyLite#status(String)} reports it.
 *
 * @param promptId the prompt's id
 * @param workflow the workflow it was built from
 * @param state where it is
 * @param queuePosition its place among ComfyUI's pending prompts while {@link State#QUEUED}, when known: 0 runs next,
 *     and every client's prompts ahead of it count
 * @param progress the latest progress while {@link State#RUNNING}
 * @param outcome how it ended, once {@link State#SUCCEEDED} or {@link State#FAILED}
 */
public record PromptStatus(
    String promptId,
    String workflow,
    State state,
    OptionalInt queuePosition,
    Optional<Progress> progress,
    Optional<Outcome> outcome) {

  /**
   * Checks the components are present.
   *
   * @param promptId the prompt's id
   * @param workflow the workflow it was built from
   * @param state where it is
   * @param queuePosition its place among ComfyUI's pending prompts while {@link State#QUEUED}, when known (0 runs
   *     next)
   * @param progress the latest progress while {@link State#RUNNING}
   * @param outcome how it ended, once {@link State#SUCCEEDED} or {@link State#FAILED}
   */
  public PromptStatus {
    Objects.requireNonNull(promptId, "promptId");
    Objects.requireNonNull(workflow, "workflow");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(queuePosition, "queuePosition");
    Objects.requireNonNull(progress, "progress");
    Objects.requireNonNull(outcome, "outcome");
  }

  /** Where a prompt is in its life. */
  public enum State {
    /** Submitted and waiting in ComfyUI's queue (or its submission is still in flight). */
    QUEUED,
    /** ComfyUI is running it, or its images are being collected. */
    RUNNING,
    /** It ended with images. */
    SUCCEEDED,
    /** It ended without a result; the outcome says why. */
    FAILED
  }
}
