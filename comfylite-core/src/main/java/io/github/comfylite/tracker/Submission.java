package io.github.comfylite.tracker;

import io.github.comfylite.result.Outcome;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@link PromptTracker#submit} did.
 *
 * @param promptId the prompt's final id (the server's, where it ignored ours)
 * @param failure the outcome when the prompt failed during submission (ComfyUI rejected it or could not be reached)
 *     and this call decided it; it has already been handed to the sinks
 */
public record Submission(String promptId, Optional<Outcome.Failed> failure) {

  /**
   * Checks the components are present.
   *
   * @param promptId the prompt's final id (the server's, where it ignored ours)
   * @param failure the outcome when the prompt failed during submission (ComfyUI rejected it or could not be reached)
   *     and this call decided it; it has already been handed to the sinks
   */
  public Submission {
    Objects.requireNonNull(promptId, "promptId");
    Objects.requireNonNull(failure, "failure");
  }
}
