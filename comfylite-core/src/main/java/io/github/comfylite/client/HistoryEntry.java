package io.github.comfylite.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.comfylite.result.GeneratedImage;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One finished prompt as {@code GET /history/{id}} reports it (protocol §10.1).
 *
 * @param promptId the prompt
 * @param raw the whole entry ({@code prompt}, {@code outputs}, {@code status}, {@code meta})
 * @param statusStr {@code "success"} or {@code "error"}; empty on servers before 2024-01, which record no status (then
 *     judge by the outputs)
 * @param completed {@code status.completed}: true only for a successful run; false for errors, interrupts and when
 *     there is no status
 * @param outputImages node id → the images it saved ({@code outputs[node].images}), ordered like the nodes in the
 *     submitted graph; nodes that are not in the graph (expanded ids) follow in ComfyUI's order
 * @param messages {@code status.messages}: {@code [type, data]} pairs for execution_start, execution_cached and the
 *     terminal event; see {@link #events()}
 */
public record HistoryEntry(String promptId, JsonNode raw, Optional<String> statusStr, boolean completed,
    Map<String, List<GeneratedImage.FileRef>> outputImages, List<JsonNode> messages) {

  /**
   * Checks components and makes the collections unmodifiable (map order is kept).
   *
   * @param promptId the prompt
   * @param raw the whole entry ({@code prompt}, {@code outputs}, {@code status}, {@code meta})
   * @param statusStr {@code "success"} or {@code "error"}; empty on servers before 2024-01, which record no status
   *     (then judge by the outputs)
   * @param completed {@code status.completed}: true only for a successful run; false for errors, interrupts and when
   *     there is no status
   * @param outputImages node id → the images it saved ({@code outputs[node].images}), ordered like the nodes in the
   *     submitted graph; nodes that are not in the graph (expanded ids) follow in ComfyUI's order
   * @param messages {@code status.messages}: {@code [type, data]} pairs for execution_start, execution_cached and the
   *     terminal event; see {@link #events()}
   */
  public HistoryEntry {
    Objects.requireNonNull(promptId, "promptId");
    Objects.requireNonNull(raw, "raw");
    Objects.requireNonNull(statusStr, "statusStr");
    Map<String, List<GeneratedImage.FileRef>> copy = new LinkedHashMap<>();
    outputImages.forEach((k, v) -> copy.put(k, List.copyOf(v)));
    outputImages = Collections.unmodifiableMap(copy);
    messages = List.copyOf(messages);
  }

  /**
   * Reads a history entry, i.e. the value under the prompt id in {@code GET /history/{id}}'s body.
   *
   * @param promptId the prompt id (the key it was under)
   * @param entry the entry
   * @return the parsed entry
   */
  public static HistoryEntry fromJson(String promptId, JsonNode entry) {
    JsonNode status = entry.path("status");
    Optional<String> statusStr = status.isObject() ? ComfyEvents.text(status, "status_str") : Optional.empty();
    boolean completed = status.path("completed").asBoolean(false);
    List<JsonNode> messages = new ArrayList<>();
    status.path("messages").forEach(messages::add);

    // Graph key order: prompt[2] is the stored API graph.
    List<String> graphOrder = new ArrayList<>();
    entry.path("prompt").path(2).fieldNames().forEachRemaining(graphOrder::add);
    List<String> outputNodes = new ArrayList<>();
    entry.path("outputs").fieldNames().forEachRemaining(outputNodes::add);
    outputNodes.sort((a, b) -> Integer.compare(rank(graphOrder, a), rank(graphOrder, b))); // stable

    Map<String, List<GeneratedImage.FileRef>> images = new LinkedHashMap<>();
    for (String node : outputNodes) {
      List<GeneratedImage.FileRef> refs = imageRefs(entry.path("outputs").path(node));
      if (!refs.isEmpty()) {
        images.put(node, refs);
      }
    }
    return new HistoryEntry(promptId, entry, statusStr, completed, images, messages);
  }

  /**
   * The files a node's UI output lists under {@code images}: the {@code output} of an {@code executed} event, or a
   * history entry's {@code outputs[node]}. Items without a {@code filename} are skipped; {@code subfolder} defaults to
   * {@code ""} and {@code type} to {@code output}.
   *
   * @param uiOutput the node's UI output; may be {@code null} or JSON null (a node without UI)
   * @return the file references in order, possibly empty
   */
  public static List<GeneratedImage.FileRef> imageRefs(JsonNode uiOutput) {
    List<GeneratedImage.FileRef> refs = new ArrayList<>(4);
    if (uiOutput == null) {
      return refs;
    }
    for (JsonNode image : uiOutput.path("images")) {
      Optional<String> filename = ComfyEvents.text(image, "filename");
      if (filename.isPresent()) {
        refs.add(new GeneratedImage.FileRef(filename.get(), ComfyEvents.text(image, "subfolder").orElse(""),
            ComfyEvents.text(image, "type").orElse("output")));
      }
    }
    return refs;
  }

  /**
   * {@link #messages()} parsed as events, e.g. an {@link ComfyEvent.ExecutionError} with the node and exception, or
   * an {@link ComfyEvent.ExecutionInterrupted}.
   *
   * @return the events in the order ComfyUI recorded them
   */
  public List<ComfyEvent> events() {
    List<ComfyEvent> events = new ArrayList<>(messages.size());
    for (JsonNode message : messages) {
      JsonNode type = message.path(0);
      events.add(ComfyEvents.parse(type.isTextual() ? type.asText() : "", message.path(1), message));
    }
    return events;
  }

  /**
   * All output images in {@link #outputImages()} order.
   *
   * @return a new list of every image reference, node by node
   */
  public List<GeneratedImage.FileRef> allImages() {
    List<GeneratedImage.FileRef> all = new ArrayList<>();
    outputImages.values().forEach(all::addAll);
    return all;
  }

  private static int rank(List<String> order, String node) {
    int i = order.indexOf(node);
    return i < 0 ? Integer.MAX_VALUE : i;
  }
}
