package io.github.comfylite.server;

import io.github.comfylite.client.ConnectionState;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * {@code GET /ready}: 200 when the WebSocket to ComfyUI is connected and fewer than {@code COMFYLITE_MAX_PENDING}
 * prompts are unfinished; otherwise 503 with the reason. Demo mode always says so.
 */
final class ReadyHandler implements Route.Handler {
  private final ServerState state;

  ReadyHandler(ServerState state) {
    this.state = state;
  }

  @Override
  public Response handle(Request request) {
    ConnectionState connection = state.comfy.connectionState();
    int pending = state.pending.get();
    Map<String, Object> body = new LinkedHashMap<>();
    String reason = null;
    if (connection != ConnectionState.CONNECTED) {
      reason = "ComfyUI at " + state.comfyAddress + " is not reachable ("
          + connection.name().toLowerCase(Locale.ROOT) + "); retrying in the background";
    } else if (pending >= state.config.maxPending()) {
      reason = "too many unfinished prompts: " + pending + " of " + state.config.maxPending()
          + " (COMFYLITE_MAX_PENDING)";
    }
    body.put("status", reason == null ? "ready" : "not_ready");
    if (reason != null) {
      body.put("reason", reason);
    }
    body.put("comfyui", connection.name().toLowerCase(Locale.ROOT));
    body.put("comfyui_address", state.comfyAddress);
    if (state.demo) {
      body.put("demo", true);
      body.put("note", "DEMO MODE: serving from an embedded fake ComfyUI; images are synthetic");
    }
    body.put("pending", pending);
    body.put("max_pending", state.config.maxPending());
    return Response.json(reason == null ? 200 : 503, body);
  }
}
