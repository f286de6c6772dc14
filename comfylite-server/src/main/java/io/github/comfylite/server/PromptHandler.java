package io.github.comfylite.server;

import com.fasterxml.jackson.core.JsonGenerator;
import io.github.comfylite.PromptStatus;
import io.github.comfylite.result.GeneratedImage;
import io.github.comfylite.result.Outcome;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code GET /prompts/{id}}: a prompt this server submitted. Live state (queued, running with progress) comes from the
 * facade; once finished, the outcome from the {@link PromptStore}, with the images as base64 streamed from their bytes.
 */
final class PromptHandler implements Route.Handler {
  private final ServerState state;

  PromptHandler(ServerState state) {
    this.state = state;
  }

  @Override
  public Response handle(Request request) {
    ServerState.Current current = state.current(request.pathParam("id"));
    PromptStore.Entry entry = current.entry();
    if (!entry.finished()) {
      return Response.json(200, live(entry, current.status()));
    }
    return Response.streaming(200, "application/json", out -> writeFinished(entry, out));
  }

  private static Map<String, Object> live(PromptStore.Entry entry, Optional<PromptStatus> status) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("prompt_id", entry.promptId());
    body.put("workflow", entry.workflow());
    boolean running = status.isPresent() && status.get().state() == PromptStatus.State.RUNNING;
    body.put("status", running ? "running" : "queued");
    status.ifPresent(s -> {
      s.queuePosition().ifPresent(position -> body.put("queue_position", position));
      s.progress().ifPresent(p -> {
        Map<String, Object> progress = new LinkedHashMap<>();
        progress.put("node_id", p.nodeId());
        progress.put("value", p.value());
        progress.put("max", p.max());
        progress.put("nodes_done", p.nodesDone());
        progress.put("nodes_total", p.nodesTotal());
        body.put("progress", progress);
      });
    });
    return body;
  }

  /** Writes a finished prompt, streaming each image's base64 from its bytes (never one big String). */
  private static void writeFinished(PromptStore.Entry entry, OutputStream out) throws IOException {
    try (JsonGenerator json = ServerJson.MAPPER.getFactory().createGenerator(out)) {
      json.writeStartObject();
      json.writeStringField("prompt_id", entry.promptId());
      json.writeStringField("workflow", entry.workflow());
      if (entry.succeeded()) {
        json.writeStringField("status", "succeeded");
        if (!entry.imagesExpired()) {
          List<GeneratedImage> images = entry.images().get();
          json.writeArrayFieldStart("images");
          for (GeneratedImage image : images) {
            try (InputStream in = image.openStream()) {
              json.writeBinary(in, image.size());
            }
          }
          json.writeEndArray();
          json.writeArrayFieldStart("mime_types");
          for (GeneratedImage image : images) {
            json.writeString(image.mimeType());
          }
          json.writeEndArray();
        } else {
          json.writeBooleanField("images_expired", true);
        }
      } else {
        Outcome.Failed failed = entry.failure().orElseThrow();
        json.writeStringField("status", "failed");
        json.writeStringField("kind", failed.kind().wireName());
        json.writeStringField("error", failed.message());
        if (failed.nodeId().isPresent()) {
          json.writeStringField("node_id", failed.nodeId().get());
        }
        if (failed.nodeType().isPresent()) {
          json.writeStringField("node_type", failed.nodeType().get());
        }
      }
      json.writeEndObject();
    }
  }
}
