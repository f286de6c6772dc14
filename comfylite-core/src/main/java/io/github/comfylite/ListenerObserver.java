package io.github.comfylite;

import io.github.comfylite.result.Outcome;
import java.util.List;

/** Adapts the facade's listeners (global and per request) to the tracker; each listener is isolated from the other. */
final class ListenerObserver implements io.github.comfylite.tracker.PromptObserver {
  private static final System.Logger LOG = System.getLogger(ListenerObserver.class.getName());

  private final List<ComfyLiteListener> listeners;

  ListenerObserver(List<ComfyLiteListener> listeners) {
    this.listeners = listeners;
  }

  private interface Call {
    void on(ComfyLiteListener listener);
  }

  private void each(String promptId, Call call) {
    for (ComfyLiteListener listener : listeners) {
      try {
        call.on(listener);
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "listener " + listener.getClass().getName() + " failed on prompt "
            + promptId, e);
      }
    }
  }

  @Override
  public void queued(String promptId) {
    each(promptId, l -> l.onQueued(promptId, -1));
  }

  @Override
  public void started(String promptId) {
    each(promptId, l -> l.onStarted(promptId));
  }

  @Override
  public void progress(String promptId, String nodeId, double value, double max, int nodesDone, int nodesTotal) {
    Progress progress = new Progress(nodeId, value, max, nodesDone, nodesTotal);
    each(promptId, l -> l.onProgress(promptId, progress));
  }

  @Override
  public void preview(String promptId, String nodeId, String mimeType, byte[] bytes) {
    Preview preview = new Preview(nodeId, mimeType, bytes);
    each(promptId, l -> l.onPreview(promptId, preview));
  }

  @Override
  public void finished(String promptId, Outcome outcome) {
    each(promptId, l -> l.onFinished(promptId, outcome));
  }
}
