package io.github.comfylite.server;

import java.util.List;
import java.util.Map;

/** The API's routes and their handlers, one package-private handler class per route and method. */
final class ApiRoutes {
  private ApiRoutes() {}

  /** The routes, in the order the router tries them. Every one is described in {@code docs/openapi.yaml}. */
  static List<Route> of(ServerState state) {
    OpenApiHandler openApi = OpenApiHandler.load();
    return List.of(
        Route.of("/generate").post(new GenerateHandler(state)).build(),
        Route.of("/workflows").get(new ListWorkflowsHandler(state)).build(),
        Route.of("/workflows/{name}").get(new WorkflowHandler(state)).build(),
        Route.of("/prompts/{id}").get(new PromptHandler(state)).delete(new CancelHandler(state)).build(),
        Route.open("/health").get(new HealthHandler()).build(),
        Route.open("/ready").get(new ReadyHandler(state)).build(),
        Route.of("/openapi.json").get(openApi.json()).build(),
        Route.of("/openapi.yaml").get(openApi.yaml()).build());
  }
}
