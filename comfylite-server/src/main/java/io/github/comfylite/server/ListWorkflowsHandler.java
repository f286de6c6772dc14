package io.github.comfylite.server;

import io.github.comfylite.errors.WorkflowException;
import io.github.comfylite.workflow.WorkflowManager;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code GET /workflows}: the usable workflows with their descriptions, the default one, and broken ones. */
final class ListWorkflowsHandler implements Route.Handler {
  private final ServerState state;

  ListWorkflowsHandler(ServerState state) {
    this.state = state;
  }

  @Override
  public Response handle(Request request) {
    WorkflowManager manager = state.workflows();
    List<Map<String, Object>> workflows = new ArrayList<>();
    for (String name : manager.names()) {
      Map<String, Object> summary = new LinkedHashMap<>();
      summary.put("name", name);
      try {
        manager.workflow(name).description().ifPresent(d -> summary.put("description", d));
      } catch (WorkflowException e) {
        // Broken since names() was read (files changed): it is listed under problems on the next call.
        continue;
      }
      workflows.add(summary);
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("default", state.config.defaultWorkflow());
    body.put("workflows", workflows);
    Map<String, String> problems = new LinkedHashMap<>();
    manager.problems().forEach((name, e) -> problems.put(name, e.getMessage()));
    if (!problems.isEmpty()) {
      body.put("problems", problems);
    }
    return Response.json(200, body);
  }
}
