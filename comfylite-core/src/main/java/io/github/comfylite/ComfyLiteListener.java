package io.github.comfylite;

import io.github.comfylite.result.Outcome;

/**
 * Follows prompts through ComfyUI: queued, started, progress, live previews and the final outcome.
 *
 * <p>Every method has an empty default, so implement only what you need. ComfyLite calls a listener on its
 * {@code comfylite-callbacks} executor (or the executor given to {@link ComfyLite.Builder#callbackExecutor}), never on
 * the event loop or the socket's reader thread. Calls for one prompt arrive in order, {@link #onFinished} last.
 * Methods must return quickly and should not throw; an exception is logged at WARNING and otherwise ignored.
 *
 * <pre>{@code
 * ComfyLiteListener listener = new ComfyLiteListener() {
 *   @Override public void onProgress(String promptId, Progress p) {
 *     System.out.printf("%s: node %s %.0f/%.0f%n", promptId, p.nodeId(), p.value(), p.max());
 *   }
 * };
 * }</pre>
 */
public interface ComfyLiteListener {

  /** A listener that ignores everything. */
  ComfyLiteListener NONE = new ComfyLiteListener() {};

  /**
   * ComfyUI accepted the prompt into its queue.
   *
   * <p>ComfyLite passes {@code -1} as the position: ComfyUI's reply to the POST carries a priority ({@code number}),
   * not a place in the queue (protocol §9.2), and reading the queue for every prompt would cost a request each. Ask
   * {@link ComfyLite#status(String)} when the place matters; it reads the queue on demand.
   *
   * @param promptId the prompt's id
   * @param position the prompt's place in the queue (0 = next), or {@code -1} when unknown (always, see above)
   */
  default void onQueued(String promptId, int position) {}

  /**
   * ComfyUI started running the prompt.
   *
   * @param promptId the prompt's id
   */
  default void onStarted(String promptId) {}

  /**
   * A node reported progress, or a new node started.
   *
   * @param promptId the prompt's id
   * @param progress where the run stands
   */
  default void onProgress(String promptId, Progress progress) {}

  /**
   * A live preview (for example a sampler step) arrived. Previews are never part of the result.
   *
   * @param promptId the prompt's id
   * @param preview the preview image
   */
  default void onPreview(String promptId, Preview preview) {}

  /**
   * The prompt ended; this is the last call for it.
   *
   * @param promptId the prompt's id
   * @param outcome how it ended, the same outcome every sink receives
   */
  default void onFinished(String promptId, Outcome outcome) {}
}
