package io.github.comfylite.server;

import java.util.Map;

/** {@code GET /health}: liveness. 200 while the process serves requests, whatever the state of ComfyUI. */
final class HealthHandler implements Route.Handler {
  private static final Map<String, String> OK = Map.of("status", "ok");

  @Override
  public Response handle(Request request) {
    return Response.json(200, OK);
  }
}
