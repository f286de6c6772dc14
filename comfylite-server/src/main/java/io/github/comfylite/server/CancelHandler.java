package io.github.comfylite.server;

import java.util.LinkedHashMap;
import java.util.Map;

/** {@code DELETE /prompts/{id}}: cancels a queued or running prompt (202); 409 when it has already finished. */
final class CancelHandler implements Route.Handler {
  private final ServerState state;

  CancelHandler(ServerState state) {
    this.state = state;
  }

  @Override
  public Response handle(Request request) {
    String id = request.pathParam("id");
    PromptStore.Entry entry = state.current(id).entry();
    if (entry.finished() || !state.comfy.cancel(id)) {
      // Finished already, or between our look and the cancel: say how, as GET /prompts/{id} would.
      PromptStore.Entry now = entry.finished() ? entry : state.current(id).entry();
      String how = now.succeeded() ? "succeeded" : now.failure().map(f -> "failed ("
          + f.kind().wireName() + ")").orElse("finished");
      throw new HttpError(409, "prompt " + id + " has already " + how + "; nothing to cancel");
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("prompt_id", id);
    body.put("status", "cancelling");
    return Response.json(202, body);
  }
}
