package io.github.comfylite.tracker;

import io.github.comfylite.result.Outcome;

/**
 * Receives one prompt's life events from the {@link PromptTracker}. The facade adapts it to its public listener.
 *
 * <p>Called on the callback executor, one call at a time per prompt and in order, {@link #finished} last. An
 * exception is logged at WARNING and otherwise ignored.
 */
public interface PromptObserver {

  /** An observer that ignores everything; the tracker then skips dispatching events for the prompt. */
  PromptObserver NONE = new PromptObserver() {};

  /**
   * ComfyUI accepted the prompt.
   *
   * @param promptId the prompt's final id
   */
  default void queued(String promptId) {}

  /**
   * ComfyUI started running the prompt.
   *
   * @param promptId the prompt's id
   */
  default void started(String promptId) {}

  /**
   * A node started or reported progress.
   *
   * @param promptId the prompt's id
   * @param nodeId the node
   * @param value its progress value, {@code 0} when it just started
   * @param max its progress maximum, {@code 1} when unknown
   * @param nodesDone nodes of this run that have finished
   * @param nodesTotal nodes this run executes, {@code 0} when unknown
   */
  default void progress(String promptId, String nodeId, double value, double max, int nodesDone, int nodesTotal) {}

  /**
   * A live preview arrived (never a result image).
   *
   * @param promptId the prompt's id
   * @param nodeId the node that sent it, or the empty string when unknown
   * @param mimeType from the magic bytes
   * @param bytes the encoded image
   */
  default void preview(String promptId, String nodeId, String mimeType, byte[] bytes) {}

  /**
   * The prompt ended. Called after every sink has received the outcome.
   *
   * @param promptId the prompt's id
   * @param outcome how it ended
   */
  default void finished(String promptId, Outcome outcome) {}
}
