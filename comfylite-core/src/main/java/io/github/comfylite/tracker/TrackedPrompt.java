package io.github.comfylite.tracker;

import io.github.comfylite.client.HistoryEntry;
import io.github.comfylite.result.GeneratedImage;
import io.github.comfylite.result.Outcome;
import io.github.comfylite.result.ResultSink;
import io.github.comfylite.workflow.OutputKind;
import io.github.comfylite.workflow.OutputNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;

/**
 * One prompt's state. Confined to the {@code comfylite-events} thread: no field is read or written anywhere else,
 * so nothing here is synchronized. Kept small (well under 4 KB): the graph itself is not retained after the POST.
 */
final class TrackedPrompt {
  enum Phase { SUBMITTING, QUEUED, RUNNING, COLLECTING, DONE }

  enum Terminal { NONE, SUCCESS, ERROR, INTERRUPTED }

  /** The current id: ours, or the server's after a re-key on servers that ignore client prompt ids. */
  String id;
  final String workflow;
  final List<OutputNode> outputs;
  final boolean producesImages;
  final int nodeCount;
  final Map<String, Object> parameters;
  final List<ResultSink> sinks;
  final PromptObserver observer;
  /** Serializes this prompt's callbacks; {@code null} until first needed. */
  Executor callbacks;
  ScheduledFuture<?> timeoutTask;

  Phase phase = Phase.SUBMITTING;
  Terminal terminal = Terminal.NONE;
  /** The {@code execution_error} / {@code execution_interrupted} event, when one arrived. */
  Object terminalEvent;
  /** Set when we asked ComfyUI to cancel it; the outcome will be CANCELLED whatever ComfyUI reports. */
  boolean cancelRequested;

  final long registeredNanos = System.nanoTime();
  long startedNanos;
  long finishedNanos;

  String lastExecutingNode;
  String progressNode;
  double progressValue;
  double progressMax = 1;
  int nodesDone;
  int cachedCount;
  int executingCount;

  /** SaveImageWebsocket images received, in arrival order; {@code null} until the first. */
  List<GeneratedImage> socketImages;
  /**
   * Downloads of files an {@code executed} event named, started at once on the I/O pool; {@code null} until the first.
   * The result's images are those {@link #executedFiles} or the history name (see PromptTracker.collect), fetched
   * from here when they are here. Dropped when the prompt ends.
   */
  Map<GeneratedImage.FileRef, Download> prefetched;
  /**
   * The files each file output node's {@code executed} event named, in order; {@code null} until the first. When
   * every declared file output has one and the run ended in {@code execution_success} on an unbroken connection,
   * these are the history's outputs too (ComfyUI stores the same UI dicts it sends), so the history is not fetched.
   */
  Map<String, List<GeneratedImage.FileRef>> executedFiles;
  /** The SaveImageWebsocket node now running, and the connection epoch it started in. */
  String openSocketNode;
  int openSocketEpoch;
  /** SaveImageWebsocket nodes whose whole run we saw on one connection; {@code null} until the first. */
  List<String> completedSocketNodes;
  /** A SaveImageWebsocket node was running while the socket dropped: its frames are partly gone. */
  boolean socketFramesLost;
  /** The socket dropped while the prompt may have been running, and no queue check has shown it still pending. */
  boolean gap;
  /** Whether the connection was up when the prompt was registered, and how many connects had happened. */
  boolean connectedAtRegister;
  int connectsAtRegister;
  /** The tracker's connect count when an event named this prompt last; equal to it: events reach the current socket. */
  int lastEventConnect = -1;
  /** The observer was told the prompt is queued. */
  boolean queuedSent;
  /** Registered, and the reply to its POST has not been handled yet. */
  boolean awaitingReply;
  /**
   * The history entry of a finished prompt whose SaveImageWebsocket frames may still be on their way (see
   * applyChecks); {@code null} unless it is waiting for them.
   */
  HistoryEntry finishedEntry;
  /** Collection attempts that failed on I/O; retried with backoff until the timeout. */
  int collectFailures;

  Outcome outcome;

  TrackedPrompt(String id, String workflow, List<OutputNode> outputs, boolean producesImages, int nodeCount,
      Map<String, Object> parameters, List<ResultSink> sinks, PromptObserver observer) {
    this.id = id;
    this.workflow = workflow;
    this.outputs = outputs;
    this.producesImages = producesImages;
    this.nodeCount = nodeCount;
    this.parameters = parameters;
    this.sinks = sinks;
    this.observer = observer;
  }

  boolean isSocketOutput(String nodeId) {
    return isOutput(nodeId, OutputKind.WEBSOCKET);
  }

  private boolean isOutput(String nodeId, OutputKind kind) {
    if (nodeId == null) {
      return false;
    }
    for (OutputNode output : outputs) {
      if (output.kind() == kind && output.nodeId().equals(nodeId)) {
        return true;
      }
    }
    return false;
  }

  boolean hasSocketOutputs() {
    for (OutputNode output : outputs) {
      if (output.kind() == OutputKind.WEBSOCKET) {
        return true;
      }
    }
    return false;
  }

  /** Whether {@code nodeId}'s saved files are results: a declared file output, or any node when none is declared. */
  boolean isFileOutput(String nodeId) {
    return outputs.isEmpty() || isOutput(nodeId, OutputKind.FILE);
  }

  boolean hasFileOutputs() {
    for (OutputNode output : outputs) {
      if (output.kind() == OutputKind.FILE) {
        return true;
      }
    }
    return outputs.isEmpty();
  }

  boolean finished() {
    return phase == Phase.DONE;
  }

  /** Ends the SaveImageWebsocket node that was running, if any: complete when it ran within one connection. */
  void closeSocketNode(int epoch) {
    if (openSocketNode == null) {
      return;
    }
    if (openSocketEpoch == epoch) {
      if (completedSocketNodes == null) {
        completedSocketNodes = new ArrayList<>(2);
      }
      completedSocketNodes.add(openSocketNode);
    } else {
      socketFramesLost = true;
    }
    openSocketNode = null;
  }

  /** Whether some SaveImageWebsocket images were sent while we could not receive them. */
  boolean socketImagesMissed() {
    if (socketFramesLost) {
      return true;
    }
    if (!gap) {
      return false;
    }
    for (OutputNode output : outputs) {
      if (output.kind() == OutputKind.WEBSOCKET
          && (completedSocketNodes == null || !completedSocketNodes.contains(output.nodeId()))) {
        return true;
      }
    }
    return false;
  }

  int nodesTotal() {
    return nodeCount <= 0 ? 0 : Math.max(0, nodeCount - cachedCount);
  }
}
