package io.github.comfylite.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One message ComfyUI pushed on its {@code /ws} socket, parsed (protocol §5 for text messages, §7 for binary frames).
 *
 * <p>Text messages keep ComfyUI's {@code data} object as a {@link JsonNode} ({@code data()} or {@code raw()}), so
 * fields we do not model are never lost. Messages of a type we do not know become {@link Unknown}; binary frames of an
 * unknown event number become {@link UnknownBinary}. Node ids are always strings and never parsed as numbers.
 *
 * <p>Java 17 has no pattern {@code switch}; test with {@code instanceof}. {@link #forPrompt()} gives the prompt id for
 * routing without knowing the variant.
 */
public sealed interface ComfyEvent {

  /**
   * The prompt this event is about, when the message names one. Empty for {@link Status}, {@link FeatureFlags},
   * {@link Text}, the reconnect form of {@link Executing}, legacy previews and unknown messages.
   *
   * @return the prompt id, if the message carries one
   */
  default Optional<String> forPrompt() {
    return Optional.empty();
  }

  /**
   * {@code status}: the server's queue size (pending plus running). Broadcast; the first one on a connection carries
   * the socket's {@code sid} (equal to our client id).
   *
   * @param queueRemaining pending plus running prompts
   * @param sid the session id, only on the first message of a connection
   * @param data the raw {@code data} object
   */
  record Status(int queueRemaining, Optional<String> sid, JsonNode data) implements ComfyEvent {
    /**
     * Checks components.
     *
     * @param queueRemaining pending plus running prompts
     * @param sid the session id, only on the first message of a connection
     * @param data the raw {@code data} object
     */
    public Status {
      Objects.requireNonNull(sid, "sid");
      Objects.requireNonNull(data, "data");
    }

    /**
     * A status without raw data, for tests and fakes.
     *
     * @param queueRemaining pending plus running prompts
     * @param sid the session id, if any
     */
    public Status(int queueRemaining, Optional<String> sid) {
      this(queueRemaining, sid, emptyData());
    }
  }

  /**
   * {@code feature_flags}: the server's reply to our feature-flag handshake (v0.3.45+; older servers never send it).
   *
   * @param flags the server's capability map, e.g. {@code {"supports_preview_metadata":true,"max_upload_size":…}}
   */
  record FeatureFlags(JsonNode flags) implements ComfyEvent {
    /**
     * Checks components.
     *
     * @param flags the server's capability map, e.g. {@code {"supports_preview_metadata":true,"max_upload_size":…}}
     */
    public FeatureFlags {
      Objects.requireNonNull(flags, "flags");
    }
  }

  /**
   * {@code execution_start}: the worker took the prompt off the queue.
   *
   * @param promptId the prompt
   * @param data the raw {@code data} object
   */
  record ExecutionStart(String promptId, JsonNode data) implements ComfyEvent {
    /**
     * Checks components.
     *
     * @param promptId the prompt
     * @param data the raw {@code data} object
     */
    public ExecutionStart {
      Objects.requireNonNull(promptId, "promptId");
      Objects.requireNonNull(data, "data");
    }

    /**
     * An event without raw data, for tests and fakes.
     *
     * @param promptId the prompt
     */
    public ExecutionStart(String promptId) {
      this(promptId, emptyData());
    }

    @Override
    public Optional<String> forPrompt() {
      return Optional.of(promptId);
    }
  }

  /**
   * {@code execution_cached}: these nodes' outputs come from the cache and will not run (no {@code executing} for
   * them).
   *
   * @param promptId the prompt
   * @param nodes the cached node ids
   * @param data the raw {@code data} object
   */
  record ExecutionCached(String promptId, List<String> nodes, JsonNode data) implements ComfyEvent {
    /**
     * Checks components and copies the list.
     *
     * @param promptId the prompt
     * @param nodes the cached node ids
     * @param data the raw {@code data} object
     */
    public ExecutionCached {
      Objects.requireNonNull(promptId, "promptId");
      nodes = List.copyOf(nodes);
      Objects.requireNonNull(data, "data");
    }

    /**
     * An event without raw data, for tests and fakes.
     *
     * @param promptId the prompt
     * @param nodes the cached node ids
     */
    public ExecutionCached(String promptId, List<String> nodes) {
      this(promptId, nodes, emptyData());
    }

    @Override
    public Optional<String> forPrompt() {
      return Optional.of(promptId);
    }
  }

  /**
   * {@code executing}: a node is about to run; or, with an empty {@link #node()}, the prompt is finished (success,
   * error and interrupt alike, sent after the history entry was written: protocol §8.7).
   *
   * <p>Right after a reconnect while a prompt runs, ComfyUI sends a form with a node but <em>no</em> prompt id
   * (protocol §4); {@link #promptId()} is then empty.
   *
   * @param promptId the prompt; empty in the reconnect form
   * @param node the node about to run; empty when the prompt is finished
   * @param displayNode the node to show in a UI (differs from {@code node} for expanded nodes)
   * @param data the raw {@code data} object
   */
  record Executing(Optional<String> promptId, Optional<String> node, Optional<String> displayNode, JsonNode data)
      implements ComfyEvent {
    /**
     * Checks components.
     *
     * @param promptId the prompt; empty in the reconnect form
     * @param node the node about to run; empty when the prompt is finished
     * @param displayNode the node to show in a UI (differs from {@code node} for expanded nodes)
     * @param data the raw {@code data} object
     */
    public Executing {
      Objects.requireNonNull(promptId, "promptId");
      Objects.requireNonNull(node, "node");
      Objects.requireNonNull(displayNode, "displayNode");
      Objects.requireNonNull(data, "data");
    }

    /**
     * An event without raw data, for tests and fakes.
     *
     * @param promptId the prompt, if any
     * @param node the node, or empty for the finished signal
     * @param displayNode the display node, if any
     */
    public Executing(Optional<String> promptId, Optional<String> node, Optional<String> displayNode) {
      this(promptId, node, displayNode, emptyData());
    }

    /**
     * Whether this is the end-of-prompt signal: no node, and a prompt id.
     *
     * @return true when ComfyUI is done with the prompt, whether it succeeded, failed or was interrupted
     */
    public boolean isFinished() {
      return node.isEmpty() && promptId.isPresent();
    }

    @Override
    public Optional<String> forPrompt() {
      return promptId;
    }
  }

  /**
   * {@code progress}: a node's progress, e.g. sampler step {@code value} of {@code max}. Servers before 2024-01 send no
   * prompt id or node; prompts without a client id are broadcast, so filter by prompt id.
   *
   * @param promptId the prompt, if sent
   * @param node the node reporting progress, if sent
   * @param value progress so far
   * @param max the total
   * @param data the raw {@code data} object
   */
  record Progress(Optional<String> promptId, Optional<String> node, double value, double max, JsonNode data)
      implements ComfyEvent {
    /**
     * Checks components.
     *
     * @param promptId the prompt, if sent
     * @param node the node reporting progress, if sent
     * @param value progress so far
     * @param max the total
     * @param data the raw {@code data} object
     */
    public Progress {
      Objects.requireNonNull(promptId, "promptId");
      Objects.requireNonNull(node, "node");
      Objects.requireNonNull(data, "data");
    }

    /**
     * An event without raw data, for tests and fakes.
     *
     * @param promptId the prompt, if any
     * @param node the node, if any
     * @param value progress so far
     * @param max the total
     */
    public Progress(Optional<String> promptId, Optional<String> node, double value, double max) {
      this(promptId, node, value, max, emptyData());
    }

    @Override
    public Optional<String> forPrompt() {
      return promptId;
    }
  }

  /**
   * {@code progress_state} (v0.3.45+): a snapshot of every node of the prompt that has started so far.
   *
   * @param promptId the prompt
   * @param nodes map node id → {@code {value, max, state, node_id, display_node_id, parent_node_id, real_node_id}}
   * @param data the raw {@code data} object
   */
  record ProgressState(String promptId, JsonNode nodes, JsonNode data) implements ComfyEvent {
    /**
     * Checks components.
     *
     * @param promptId the prompt
     * @param nodes map node id → {@code {value, max, state, node_id, display_node_id, parent_node_id, real_node_id}}
     * @param data the raw {@code data} object
     */
    public ProgressState {
      Objects.requireNonNull(promptId, "promptId");
      Objects.requireNonNull(nodes, "nodes");
      Objects.requireNonNull(data, "data");
    }

    /**
     * An event without raw data, for tests and fakes.
     *
     * @param promptId the prompt
     * @param nodes the per-node map
     */
    public ProgressState(String promptId, JsonNode nodes) {
      this(promptId, nodes, emptyData());
    }

    @Override
    public Optional<String> forPrompt() {
      return Optional.of(promptId);
    }
  }

  /**
   * {@code executed}: a node returned UI data, e.g. {@code {"images":[{filename, subfolder, type}]}}. Cached output
   * nodes replay their old UI (the same file names).
   *
   * @param promptId the prompt
   * @param node the node
   * @param displayNode the node to show in a UI, if sent
   * @param output the UI data; {@link NullNode} when ComfyUI sent {@code null}
   * @param data the raw {@code data} object
   */
  record Executed(String promptId, String node, Optional<String> displayNode, JsonNode output, JsonNode data)
      implements ComfyEvent {
    /**
     * Checks components.
     *
     * @param promptId the prompt
     * @param node the node
     * @param displayNode the node to show in a UI, if sent
     * @param output the UI data; {@link NullNode} when ComfyUI sent {@code null}
     * @param data the raw {@code data} object
     */
    public Executed {
      Objects.requireNonNull(promptId, "promptId");
      Objects.requireNonNull(node, "node");
      Objects.requireNonNull(displayNode, "displayNode");
      Objects.requireNonNull(output, "output");
      Objects.requireNonNull(data, "data");
    }

    /**
     * An event without raw data, for tests and fakes.
     *
     * @param promptId the prompt
     * @param node the node
     * @param displayNode the display node, if any
     * @param output the UI data, {@link NullNode} for none
     */
    public Executed(String promptId, String node, Optional<String> displayNode, JsonNode output) {
      this(promptId, node, displayNode, output, emptyData());
    }

    @Override
    public Optional<String> forPrompt() {
      return Optional.of(promptId);
    }
  }

  /**
   * {@code execution_success} (since 2024-07): every node ran. Sent <em>before</em> the history entry is written;
   * wait for {@link Executing#isFinished()} before reading {@code /history}.
   *
   * @param promptId the prompt
   * @param data the raw {@code data} object
   */
  record ExecutionSuccess(String promptId, JsonNode data) implements ComfyEvent {
    /**
     * Checks components.
     *
     * @param promptId the prompt
     * @param data the raw {@code data} object
     */
    public ExecutionSuccess {
      Objects.requireNonNull(promptId, "promptId");
      Objects.requireNonNull(data, "data");
    }

    /**
     * An event without raw data, for tests and fakes.
     *
     * @param promptId the prompt
     */
    public ExecutionSuccess(String promptId) {
      this(promptId, emptyData());
    }

    @Override
    public Optional<String> forPrompt() {
      return Optional.of(promptId);
    }
  }

  /**
   * {@code execution_error}: a node raised. When {@link #exceptionType()} is {@code ExecutionBlocked} the prompt keeps
   * running (protocol §5). Missing fields are empty strings.
   *
   * @param promptId the prompt
   * @param nodeId the failing node
   * @param nodeType its class_type
   * @param exceptionMessage the message (ComfyUI appends a hint and a newline)
   * @param exceptionType e.g. {@code RuntimeError}, {@code torch.OutOfMemoryError}
   * @param raw the raw {@code data} object (traceback, current_inputs, …)
   */
  record ExecutionError(String promptId, String nodeId, String nodeType, String exceptionMessage,
      String exceptionType, JsonNode raw) implements ComfyEvent {
    /**
     * Checks components.
     *
     * @param promptId the prompt
     * @param nodeId the failing node
     * @param nodeType its class_type
     * @param exceptionMessage the message (ComfyUI appends a hint and a newline)
     * @param exceptionType e.g. {@code RuntimeError}, {@code torch.OutOfMemoryError}
     * @param raw the raw {@code data} object (traceback, current_inputs, …)
     */
    public ExecutionError {
      Objects.requireNonNull(promptId, "promptId");
      Objects.requireNonNull(nodeId, "nodeId");
      Objects.requireNonNull(nodeType, "nodeType");
      Objects.requireNonNull(exceptionMessage, "exceptionMessage");
      Objects.requireNonNull(exceptionType, "exceptionType");
      Objects.requireNonNull(raw, "raw");
    }

    /**
     * Whether this is the non-fatal "ExecutionBlocked" form, after which the prompt keeps running.
     *
     * @return true when {@code exception_type} is {@code ExecutionBlocked}
     */
    public boolean isBlocked() {
      return "ExecutionBlocked".equals(exceptionType);
    }

    @Override
    public Optional<String> forPrompt() {
      return Optional.of(promptId);
    }
  }

  /**
   * {@code execution_interrupted}: {@code POST /interrupt} stopped the prompt at this node.
   *
   * @param promptId the prompt
   * @param nodeId the node that was running
   * @param nodeType its class_type
   * @param raw the raw {@code data} object
   */
  record ExecutionInterrupted(String promptId, String nodeId, String nodeType, JsonNode raw) implements ComfyEvent {
    /**
     * Checks components.
     *
     * @param promptId the prompt
     * @param nodeId the node that was running
     * @param nodeType its class_type
     * @param raw the raw {@code data} object
     */
    public ExecutionInterrupted {
      Objects.requireNonNull(promptId, "promptId");
      Objects.requireNonNull(nodeId, "nodeId");
      Objects.requireNonNull(nodeType, "nodeType");
      Objects.requireNonNull(raw, "raw");
    }

    @Override
    public Optional<String> forPrompt() {
      return Optional.of(promptId);
    }
  }

  /**
   * A binary image frame: event 1 (legacy preview, no metadata) or event 4 (preview with metadata). Sampler previews
   * and SaveImageWebsocket outputs both arrive this way (protocol §7.3 tells them apart).
   *
   * <p>The array is owned by this event and never copied again; do not modify it. {@code equals} compares it by
   * identity.
   *
   * @param event 1 or 4
   * @param mimeType from the magic bytes, never from ComfyUI's format code
   * @param bytes the encoded image
   * @param metadata the event-4 metadata ({@code node_id, prompt_id, display_node_id, parent_node_id, real_node_id,
   *     image_type}); empty for event 1
   * @param promptId {@code metadata.prompt_id}; empty for event 1
   * @param nodeId {@code metadata.node_id}; empty for event 1
   */
  record PreviewImage(int event, String mimeType, byte[] bytes, Optional<JsonNode> metadata,
      Optional<String> promptId, Optional<String> nodeId) implements ComfyEvent {
    /**
     * Checks components.
     *
     * @param event 1 or 4
     * @param mimeType from the magic bytes, never from ComfyUI's format code
     * @param bytes the encoded image
     * @param metadata the event-4 metadata ({@code node_id, prompt_id, display_node_id, parent_node_id, real_node_id,
     *     image_type}); empty for event 1
     * @param promptId {@code metadata.prompt_id}; empty for event 1
     * @param nodeId {@code metadata.node_id}; empty for event 1
     */
    public PreviewImage {
      Objects.requireNonNull(mimeType, "mimeType");
      Objects.requireNonNull(bytes, "bytes");
      Objects.requireNonNull(metadata, "metadata");
      Objects.requireNonNull(promptId, "promptId");
      Objects.requireNonNull(nodeId, "nodeId");
    }

    /**
     * {@code metadata.display_node_id}, when sent.
     *
     * @return the node to show the image on in a UI; empty for event 1 or when the metadata lacks it
     */
    public Optional<String> displayNodeId() {
      return metadata.flatMap(m -> ComfyEvents.text(m, "display_node_id"));
    }

    @Override
    public Optional<String> forPrompt() {
      return promptId;
    }

    @Override
    public String toString() {
      return "PreviewImage[event=" + event + ", mimeType=" + mimeType + ", bytes=" + bytes.length
          + ", promptId=" + promptId + ", nodeId=" + nodeId + "]";
    }
  }

  /**
   * Binary event 3 (v0.3.34+): progress text shown on a node, e.g. a partner node's result URL. Broadcast.
   *
   * @param nodeId the node
   * @param text the UTF-8 text
   */
  record Text(String nodeId, String text) implements ComfyEvent {
    /**
     * Checks components.
     *
     * @param nodeId the node
     * @param text the UTF-8 text
     */
    public Text {
      Objects.requireNonNull(nodeId, "nodeId");
      Objects.requireNonNull(text, "text");
    }
  }

  /**
   * A text message of a type we do not model ({@code logs}, {@code crystools.monitor}, partner nodes' types, …).
   * Normal; ignore or inspect.
   *
   * @param type the message's {@code type} ({@code ""} if it had none)
   * @param raw the whole message
   */
  record Unknown(String type, JsonNode raw) implements ComfyEvent {
    /**
     * Checks components.
     *
     * @param type the message's {@code type} ({@code ""} if it had none)
     * @param raw the whole message
     */
    public Unknown {
      Objects.requireNonNull(type, "type");
      Objects.requireNonNull(raw, "raw");
    }

    @Override
    public Optional<String> forPrompt() {
      return ComfyEvents.text(raw.path("data"), "prompt_id");
    }
  }

  /**
   * A binary frame with an event number we do not know, or too short to hold its header.
   *
   * @param event the event number, or -1 when the frame is shorter than 4 bytes
   * @param length the frame's length in bytes
   */
  record UnknownBinary(int event, int length) implements ComfyEvent {}

  private static JsonNode emptyData() {
    return JsonNodeFactory.instance.objectNode();
  }
}
