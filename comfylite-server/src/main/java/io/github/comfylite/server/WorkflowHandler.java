package io.github.comfylite.server;

import io.github.comfylite.workflow.ParameterSpec;
import io.github.comfylite.workflow.Workflow;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** {@code GET /workflows/{name}}: one workflow's parameters with types, defaults and limits; 404 when absent. */
final class WorkflowHandler implements Route.Handler {
  private final ServerState state;

  WorkflowHandler(ServerState state) {
    this.state = state;
  }

  @Override
  public Response handle(Request request) {
    String name = request.pathParam("name");
    if (!WorkflowNames.isValid(name)) {
      throw HttpError.badRequest(WorkflowNames.problem(name));
    }
    Workflow workflow = state.workflow(name, true);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("name", workflow.name());
    workflow.description().ifPresent(d -> body.put("description", d));
    body.put("produces_images", workflow.producesImages());
    List<Map<String, Object>> parameters = new ArrayList<>();
    for (ParameterSpec spec : workflow.parameters()) {
      parameters.add(describe(spec, state.limits));
    }
    body.put("parameters", parameters);
    return Response.json(200, body);
  }

  /** A parameter as clients should see it: with the server's defaults and limits folded in. */
  static Map<String, Object> describe(ParameterSpec spec, GenerateBody.Limits limits) {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("name", spec.name());
    if (GenerateBody.PARAMETER_FIELDS.containsValue(spec.name())) {
      p.put("field", GenerateBody.field(spec.name()));
    }
    p.put("type", spec.type().name().toLowerCase(Locale.ROOT));
    p.put("required", spec.required() || spec.name().equals("prompt"));
    Object serverDefault = GenerateHandler.ORIGINAL_DEFAULTS.get(spec.name());
    if (serverDefault != null) {
      p.put("default", serverDefault);
    } else {
      spec.defaultValue().ifPresent(v -> p.put("default", v));
    }
    Optional<BigDecimal> min = spec.min();
    Optional<BigDecimal> max = spec.max();
    Optional<GenerateBody.Range> range = limits.range(spec.name());
    if (range.isPresent()) {
      BigDecimal floor = BigDecimal.valueOf(range.get().min());
      BigDecimal ceiling = BigDecimal.valueOf(range.get().max());
      min = Optional.of(min.map(m -> m.max(floor)).orElse(floor));
      max = Optional.of(max.map(m -> m.min(ceiling)).orElse(ceiling));
    }
    min.ifPresent(v -> p.put("minimum", v));
    max.ifPresent(v -> p.put("maximum", v));
    if (!spec.allowedValues().isEmpty()) {
      p.put("allowed_values", spec.allowedValues());
    }
    if (spec.randomWhenAbsent()) {
      p.put("random_when_absent", true);
    }
    spec.description().ifPresent(d -> p.put("description", d));
    return p;
  }
}
