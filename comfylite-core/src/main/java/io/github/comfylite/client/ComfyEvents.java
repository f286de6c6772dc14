package io.github.comfylite.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import io.github.comfylite.internal.Json;
import io.github.comfylite.result.GeneratedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Parses ComfyUI's WebSocket messages into {@link ComfyEvent}s. Pure functions with no socket, so they are testable on
 * their own and cheap enough for OkHttp's reader thread.
 */
final class ComfyEvents {
  /** Binary event types (protocol §7). */
  static final int PREVIEW_IMAGE = 1;
  static final int TEXT = 3;
  static final int PREVIEW_IMAGE_WITH_METADATA = 4;

  private ComfyEvents() {}

  /**
   * Reads a message's type without parsing it, when {@code "type"} is its first key, as in every message ComfyUI
   * sends ({@code json.dumps({"type": …, "data": …})}).
   *
   * @param text the frame
   * @return the type, or {@code null} if the frame does not start that way (then only a full parse can tell)
   */
  static String peekType(String text) {
    int i = skipSpace(text, 0);
    if (i >= text.length() || text.charAt(i) != '{') {
      return null;
    }
    i = skipSpace(text, i + 1);
    if (!text.startsWith("\"type\"", i)) {
      return null;
    }
    i = skipSpace(text, i + 6);
    if (i >= text.length() || text.charAt(i) != ':') {
      return null;
    }
    i = skipSpace(text, i + 1);
    if (i >= text.length() || text.charAt(i) != '"') {
      return null;
    }
    int start = i + 1;
    for (int j = start; j < text.length() && j - start <= 64; j++) {
      char c = text.charAt(j);
      if (c == '"') {
        return text.substring(start, j);
      }
      if (c == '\\' || c < 0x20) {
        return null; // escaped or odd: let the parser decide
      }
    }
    return null;
  }

  private static int skipSpace(String text, int i) {
    while (i < text.length() && (text.charAt(i) == ' ' || text.charAt(i) == '\n' || text.charAt(i) == '\r'
        || text.charAt(i) == '\t')) {
      i++;
    }
    return i;
  }

  /**
   * Parses one text frame.
   *
   * @param text the frame
   * @return the event; {@link ComfyEvent.Unknown} for types we do not model
   * @throws UncheckedIOException if the frame is not JSON
   */
  static ComfyEvent parseText(String text) {
    JsonNode message;
    try {
      message = Json.JSON.readTree(text);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException("WebSocket text frame is not JSON", e);
    }
    return parseMessage(message);
  }

  /**
   * Turns a {@code {"type":…, "data":…}} message into an event.
   *
   * @param message the parsed message
   * @return the event; {@link ComfyEvent.Unknown} for unknown types or a message that is not an object
   */
  static ComfyEvent parseMessage(JsonNode message) {
    JsonNode typeNode = message.path("type");
    String type = typeNode.isTextual() ? typeNode.asText() : "";
    return parse(type, message.path("data"), message);
  }

  /**
   * Turns a type and its data into an event; used for WebSocket messages and for history's {@code [type, data]}
   * pairs.
   */
  static ComfyEvent parse(String type, JsonNode data, JsonNode whole) {
    switch (type) {
      case "status":
        return new ComfyEvent.Status(
            data.path("status").path("exec_info").path("queue_remaining").asInt(0), text(data, "sid"), data);
      case "feature_flags":
        return new ComfyEvent.FeatureFlags(data);
      case "execution_start":
        if (!hasPromptId(data)) {
          break;
        }
        return new ComfyEvent.ExecutionStart(promptId(data), data);
      case "execution_cached": {
        if (!hasPromptId(data)) {
          break;
        }
        List<String> nodes = new ArrayList<>();
        for (JsonNode node : data.path("nodes")) {
          nodes.add(node.asText());
        }
        return new ComfyEvent.ExecutionCached(promptId(data), nodes, data);
      }
      case "executing":
        return new ComfyEvent.Executing(text(data, "prompt_id"), text(data, "node"), text(data, "display_node"), data);
      case "progress":
        return new ComfyEvent.Progress(text(data, "prompt_id"), text(data, "node"),
            data.path("value").asDouble(0), data.path("max").asDouble(0), data);
      case "progress_state":
        if (!hasPromptId(data)) {
          break;
        }
        return new ComfyEvent.ProgressState(promptId(data), data.path("nodes"), data);
      case "executed": {
        if (!hasPromptId(data) || text(data, "node").isEmpty()) {
          break;
        }
        JsonNode output = data.get("output");
        return new ComfyEvent.Executed(promptId(data), data.path("node").asText(), text(data, "display_node"),
            output == null ? NullNode.getInstance() : output, data);
      }
      case "execution_success":
        if (!hasPromptId(data)) {
          break;
        }
        return new ComfyEvent.ExecutionSuccess(promptId(data), data);
      case "execution_error":
        if (!hasPromptId(data)) {
          break;
        }
        return new ComfyEvent.ExecutionError(promptId(data), string(data, "node_id"), string(data, "node_type"),
            string(data, "exception_message"), string(data, "exception_type"), data);
      case "execution_interrupted":
        if (!hasPromptId(data)) {
          break;
        }
        return new ComfyEvent.ExecutionInterrupted(promptId(data), string(data, "node_id"),
            string(data, "node_type"), data);
      default:
        break;
    }
    // Unknown types, and known types missing the fields that define them: keep everything, model nothing.
    return new ComfyEvent.Unknown(type, whole);
  }

  /**
   * Parses one binary frame (protocol §7): a uint32 big-endian event type, then the event's payload. Copies the
   * image out of {@code frame} exactly once; reads everything else in place.
   *
   * @param frame the frame, positioned at its start (not modified)
   * @return the event; {@link ComfyEvent.UnknownBinary} for unknown types or a frame too short for its header
   */
  static ComfyEvent parseBinary(ByteBuffer frame) {
    ByteBuffer buf = frame.duplicate(); // big-endian by default, as on the wire
    int length = buf.remaining();
    if (length < 4) {
      return new ComfyEvent.UnknownBinary(-1, length);
    }
    int event = buf.getInt();
    switch (event) {
      case PREVIEW_IMAGE: {
        if (buf.remaining() < 4) {
          break;
        }
        buf.getInt(); // the format code; not trusted (protocol §7), the magic bytes decide
        byte[] image = remaining(buf);
        return new ComfyEvent.PreviewImage(event, GeneratedImage.mimeTypeOf(image), image, Optional.empty(),
            Optional.empty(), Optional.empty());
      }
      case PREVIEW_IMAGE_WITH_METADATA: {
        if (buf.remaining() < 4) {
          break;
        }
        long metaLen = Integer.toUnsignedLong(buf.getInt());
        if (metaLen > buf.remaining()) {
          break;
        }
        byte[] metaBytes = new byte[(int) metaLen];
        buf.get(metaBytes);
        JsonNode metadata;
        try {
          metadata = Json.JSON.readTree(metaBytes);
        } catch (IOException e) {
          break;
        }
        if (metadata == null || metadata.isMissingNode()) {
          break;
        }
        byte[] image = remaining(buf);
        return new ComfyEvent.PreviewImage(event, GeneratedImage.mimeTypeOf(image), image, Optional.of(metadata),
            text(metadata, "prompt_id"), text(metadata, "node_id"));
      }
      case TEXT: {
        if (buf.remaining() < 4) {
          break;
        }
        long idLen = Integer.toUnsignedLong(buf.getInt());
        if (idLen > buf.remaining()) {
          break;
        }
        String nodeId = utf8(buf, (int) idLen);
        String text = utf8(buf, buf.remaining());
        return new ComfyEvent.Text(nodeId, text);
      }
      default:
        break;
    }
    return new ComfyEvent.UnknownBinary(event, length);
  }

  /** The string at {@code field}, empty when missing, null or not a scalar. */
  static Optional<String> text(JsonNode data, String field) {
    JsonNode node = data.get(field);
    return node == null || node.isNull() || node.isContainerNode() ? Optional.empty() : Optional.of(node.asText());
  }

  /** The string at array index {@code index}, empty when missing, null or not a scalar. */
  static Optional<String> text(JsonNode array, int index) {
    JsonNode node = array.get(index);
    return node == null || node.isNull() || node.isContainerNode() ? Optional.empty() : Optional.of(node.asText());
  }

  private static boolean hasPromptId(JsonNode data) {
    return text(data, "prompt_id").isPresent();
  }

  private static String promptId(JsonNode data) {
    return data.get("prompt_id").asText();
  }

  private static String string(JsonNode data, String field) {
    return text(data, field).orElse("");
  }

  private static byte[] remaining(ByteBuffer buf) {
    byte[] out = new byte[buf.remaining()];
    buf.get(out);
    return out;
  }

  private static String utf8(ByteBuffer buf, int len) {
    if (buf.hasArray()) {
      String s = new String(buf.array(), buf.arrayOffset() + buf.position(), len, StandardCharsets.UTF_8);
      buf.position(buf.position() + len);
      return s;
    }
    byte[] bytes = new byte[len];
    buf.get(bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
