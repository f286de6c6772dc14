package io.github.comfylite.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.TextNode;
import io.github.comfylite.internal.Json;
import java.io.IOException;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;

/**
 * What {@code POST /prompt} answered: {@link Accepted} (HTTP 200, queued) or {@link Rejected} (HTTP 400 validation
 * failure, or 413 too large). Protocol §9.
 */
public sealed interface SubmitResult {

  /**
   * Whether ComfyUI queued the prompt.
   *
   * @return true for {@link Accepted}, false for {@link Rejected}
   */
  default boolean isAccepted() {
    return this instanceof Accepted;
  }

  /**
   * The prompt was queued (HTTP 200).
   *
   * <p>{@link #promptId()} is the id ComfyUI uses. Servers before v0.3.45 ignore the {@code prompt_id} we send and
   * make their own, so compare it with the one you sent and switch to this one if they differ (protocol §15).
   *
   * @param promptId the id the server gave the prompt
   * @param number the queue priority (a global counter, not the queue position; an int, or a float if one was sent)
   * @param nodeErrors node id → errors; <strong>can be non-empty</strong> when only some outputs were queued
   */
  record Accepted(String promptId, JsonNode number, JsonNode nodeErrors) implements SubmitResult {
    /**
     * Checks components.
     *
     * @param promptId the id the server gave the prompt
     * @param number the queue priority (a global counter, not the queue position; an int, or a float if one was sent)
     * @param nodeErrors node id → errors; <strong>can be non-empty</strong> when only some outputs were queued
     */
    public Accepted {
      Objects.requireNonNull(promptId, "promptId");
      Objects.requireNonNull(number, "number");
      Objects.requireNonNull(nodeErrors, "nodeErrors");
    }

    /**
     * Whether some output nodes failed validation and were left out (protocol §9.2).
     *
     * @return true when {@link #nodeErrors()} is non-empty although the prompt was queued
     */
    public boolean hasNodeErrors() {
      return nodeErrors.size() > 0;
    }
  }

  /**
   * ComfyUI refused the prompt: validation failed (400) or the body was too large (413). Nothing was queued and
   * nothing is sent on the WebSocket.
   *
   * @param statusCode 400 or 413
   * @param errorType ComfyUI's {@code error.type}, e.g. {@code prompt_outputs_failed_validation}, {@code no_prompt},
   *     {@code invalid_prompt}; ours for bodies that carry none: {@code payload_too_large} (413) or
   *     {@code bad_request} (400 without ComfyUI's JSON)
   * @param message ComfyUI's {@code error.message}, or ours
   * @param details ComfyUI's {@code error.details} (usually {@code ""}: the reasons are in {@code nodeErrors})
   * @param nodeErrors node id → {@code {errors:[{type, message, details, extra_info}], dependent_outputs,
   *     class_type}}; an empty object when there are none (also for the old {@code []} shape)
   * @param rawBody the whole body as ComfyUI sent it (a text node when it was not JSON)
   */
  record Rejected(int statusCode, String errorType, String message, String details, JsonNode nodeErrors,
      JsonNode rawBody) implements SubmitResult {
    /**
     * Checks components.
     *
     * @param statusCode 400 or 413
     * @param errorType ComfyUI's {@code error.type}, e.g. {@code prompt_outputs_failed_validation}, {@code no_prompt},
     *     {@code invalid_prompt}; ours for bodies that carry none: {@code payload_too_large} (413) or
     *     {@code bad_request} (400 without ComfyUI's JSON)
     * @param message ComfyUI's {@code error.message}, or ours
     * @param details ComfyUI's {@code error.details} (usually {@code ""}: the reasons are in {@code nodeErrors})
     * @param nodeErrors node id → {@code {errors:[{type, message, details, extra_info}], dependent_outputs,
     *     class_type}}; an empty object when there are none (also for the old {@code []} shape)
     * @param rawBody the whole body as ComfyUI sent it (a text node when it was not JSON)
     */
    public Rejected {
      Objects.requireNonNull(errorType, "errorType");
      Objects.requireNonNull(message, "message");
      Objects.requireNonNull(details, "details");
      Objects.requireNonNull(nodeErrors, "nodeErrors");
      Objects.requireNonNull(rawBody, "rawBody");
    }

    /**
     * Parses a {@code POST /prompt} error reply. Understands both shapes of ComfyUI's body (protocol §9.3): the
     * object {@code {"error":{type, message, details, extra_info}, "node_errors":{…}}} and the pre-2025-04 string
     * form {@code {"error":"no prompt","node_errors":[]}}. A 413, or a body that is not ComfyUI's JSON, still gives a
     * {@code Rejected} with a message that says what happened.
     *
     * @param statusCode the HTTP status
     * @param body the response body as text, possibly empty
     * @return the rejection
     */
    public static Rejected fromResponse(int statusCode, String body) {
      String text = body == null ? "" : body;
      JsonNode json = null;
      try {
        json = text.isBlank() ? null : Json.JSON.readTree(text);
      } catch (IOException e) {
        json = null; // not JSON: a proxy page, aiohttp's text error, … handled below
      }
      if (statusCode == 413) {
        return new Rejected(413, "payload_too_large",
            "The prompt request is larger than ComfyUI accepts (its --max-upload-size limit, 100 MB by default)",
            "", emptyObject(), json != null ? json : TextNode.valueOf(text));
      }
      if (json == null || !json.isObject() || !json.has("error")) {
        return new Rejected(statusCode, "bad_request",
            "ComfyUI rejected the prompt (HTTP " + statusCode + ") without an explanation", text, emptyObject(),
            json != null ? json : TextNode.valueOf(text));
      }
      JsonNode error = json.get("error");
      JsonNode nodeErrors = json.path("node_errors");
      if (!nodeErrors.isObject()) {
        nodeErrors = emptyObject(); // old servers sent [] here
      }
      if (error.isTextual()) {
        // Before 2025-04 only "no prompt" used this shape.
        String type = "no prompt".equals(error.asText()) ? "no_prompt" : error.asText();
        return new Rejected(statusCode, type, error.asText(), "", nodeErrors, json);
      }
      return new Rejected(statusCode, ComfyEvents.text(error, "type").orElse(""),
          ComfyEvents.text(error, "message").orElse(""), ComfyEvents.text(error, "details").orElse(""),
          nodeErrors, json);
    }

    /**
     * A one-paragraph description for people: the top-level message plus each node's errors, e.g.
     * {@code Prompt outputs failed validation: node 4 (CheckpointLoaderSimple): Value not in list: ckpt_name: …}.
     *
     * @return the description
     */
    public String summary() {
      StringBuilder sb = new StringBuilder(message.isEmpty() ? errorType : message);
      if (!details.isEmpty()) {
        sb.append(" (").append(details.strip()).append(')');
      }
      Iterator<Map.Entry<String, JsonNode>> nodes = nodeErrors.fields();
      String sep = ": ";
      while (nodes.hasNext()) {
        Map.Entry<String, JsonNode> node = nodes.next();
        sb.append(sep).append("node ").append(node.getKey());
        ComfyEvents.text(node.getValue(), "class_type").ifPresent(t -> sb.append(" (").append(t).append(')'));
        String inner = ": ";
        for (JsonNode err : node.getValue().path("errors")) {
          sb.append(inner).append(ComfyEvents.text(err, "message").orElse("error"));
          ComfyEvents.text(err, "details").filter(d -> !d.isEmpty()).ifPresent(d -> sb.append(": ").append(d));
          inner = "; ";
        }
        sep = "; ";
      }
      return sb.toString();
    }
  }

  private static JsonNode emptyObject() {
    return JsonNodeFactory.instance.objectNode();
  }
}
