package io.github.comfylite.tracker;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.comfylite.result.FailureKind;
import io.github.comfylite.result.Outcome;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;

/** Builds the {@link Outcome.Failed} values the tracker delivers, with messages a person can act on. */
final class Failures {
  private static final int MAX_SUMMARY = 2000;

  private Failures() {}

  static Outcome.Failed of(String promptId, String workflow, FailureKind kind, String message) {
    return Outcome.Failed.of(promptId, workflow, kind, message);
  }

  /**
   * A 400 from {@code POST /prompt}: ComfyUI's top-level message, then each node's errors, e.g.
   * {@code node 3 (KSampler): Value not in list: sampler_name: 'euler_x' not in [...]}.
   */
  static Outcome.Failed validation(String promptId, String workflow, String errorMessage, String errorDetails,
      JsonNode nodeErrors) {
    StringBuilder text = new StringBuilder("ComfyUI rejected the prompt: ");
    text.append(errorMessage == null || errorMessage.isBlank() ? "validation failed" : errorMessage.strip());
    String summary = summarize(nodeErrors);
    if (!summary.isEmpty()) {
      text.append(": ").append(summary);
    } else if (errorDetails != null && !errorDetails.isBlank()) {
      text.append(" (").append(errorDetails.strip()).append(')');
    }
    return new Outcome.Failed(promptId, workflow, FailureKind.VALIDATION, abbreviate(text.toString()),
        Optional.empty(), Optional.empty(), nodeErrors);
  }

  /** Summarizes {@code node_errors}: {@code node ID (CLASS): message: details, …; node …}. Empty when there are none. */
  static String summarize(JsonNode nodeErrors) {
    if (nodeErrors == null || !nodeErrors.isObject() || nodeErrors.isEmpty()) {
      return "";
    }
    StringBuilder out = new StringBuilder();
    for (Iterator<Map.Entry<String, JsonNode>> it = nodeErrors.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> node = it.next();
      if (out.length() > 0) {
        out.append("; ");
      }
      out.append("node ").append(node.getKey());
      String classType = node.getValue().path("class_type").asText("");
      if (!classType.isEmpty()) {
        out.append(" (").append(classType).append(')');
      }
      out.append(": ");
      boolean first = true;
      for (JsonNode error : node.getValue().path("errors")) {
        if (!first) {
          out.append(", ");
        }
        first = false;
        out.append(error.path("message").asText("invalid"));
        String details = error.path("details").asText("");
        if (!details.isEmpty()) {
          out.append(": ").append(details);
        }
      }
      if (first) {
        out.append("invalid");
      }
    }
    return out.toString();
  }

  /** An {@code execution_error}: the node, its type and ComfyUI's exception message (without its trailing newline). */
  static Outcome.Failed execution(String promptId, String workflow, String nodeId, String nodeType,
      String exceptionType, String exceptionMessage, JsonNode details) {
    String message = exceptionMessage == null ? "" : exceptionMessage.strip();
    StringBuilder text = new StringBuilder("node ").append(nodeId);
    if (nodeType != null && !nodeType.isEmpty()) {
      text.append(" (").append(nodeType).append(')');
    }
    text.append(" failed");
    if (exceptionType != null && !exceptionType.isEmpty()) {
      text.append(" with ").append(exceptionType);
    }
    if (!message.isEmpty()) {
      text.append(": ").append(message);
    }
    return new Outcome.Failed(promptId, workflow, FailureKind.EXECUTION, abbreviate(text.toString()),
        Optional.ofNullable(emptyToNull(nodeId)), Optional.ofNullable(emptyToNull(nodeType)), details);
  }

  /** An {@code execution_interrupted} we did not ask for. */
  static Outcome.Failed interrupted(String promptId, String workflow, String nodeId, String nodeType, JsonNode details) {
    StringBuilder text = new StringBuilder("prompt ").append(promptId)
        .append(" was interrupted on the ComfyUI server by someone else");
    if (nodeId != null && !nodeId.isEmpty()) {
      text.append(" while node ").append(nodeId);
      if (nodeType != null && !nodeType.isEmpty()) {
        text.append(" (").append(nodeType).append(')');
      }
      text.append(" was running");
    }
    return new Outcome.Failed(promptId, workflow, FailureKind.INTERRUPTED, text.toString(),
        Optional.ofNullable(emptyToNull(nodeId)), Optional.ofNullable(emptyToNull(nodeType)), details);
  }

  private static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }

  private static String abbreviate(String s) {
    return s.length() <= MAX_SUMMARY ? s : s.substring(0, MAX_SUMMARY) + "…";
  }
}
