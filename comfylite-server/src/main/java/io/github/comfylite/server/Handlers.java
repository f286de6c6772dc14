package io.github.comfylite.server;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.github.comfylite.ComfyLite;
import io.github.comfylite.GenerationRequest;
import io.github.comfylite.PromptHandle;
import io.github.comfylite.PromptStatus;
import io.github.comfylite.client.ConnectionState;
import io.github.comfylite.errors.WorkflowException;
import io.github.comfylite.result.FailureKind;
import io.github.comfylite.result.GeneratedImage;
import io.github.comfylite.result.Outcome;
import io.github.comfylite.result.WebhookSender;
import io.github.comfylite.workflow.ParameterSpec;
import io.github.comfylite.workflow.Workflow;
import io.github.comfylite.workflow.WorkflowManager;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The route handlers, one package-private class per route, sharing the server's state. Each one reads what it needs
 * from {@link Request} and returns a {@link Response}; failures are thrown as {@link HttpError} and rendered by
 * {@link Router}.
 */
final class Handlers {
  private static final System.Logger LOG = System.getLogger(Handlers.class.getName());

  /** The original's defaults, applied when a request leaves the field out and the workflow has the parameter. */
  static final Map<String, Object> ORIGINAL_DEFAULTS = Map.of("width", 450, "height", 450, "imageCount", 1);
  /** Seconds a client should wait after a 429. */
  static final int RETRY_AFTER_SECONDS = 5;

  /** What the handlers share. */
  static final class State {
    final ServerConfig config;
    final ComfyLite comfy;
    final WebhookSender webhooks;
    final PromptStore store;
    final GenerateBody.Limits limits;
    final String comfyAddress;
    final boolean demo;
    final AtomicInteger pending = new AtomicInteger();

    State(ServerConfig config, ComfyLite comfy, WebhookSender webhooks, String comfyAddress, boolean demo) {
      this.config = config;
      this.comfy = comfy;
      this.webhooks = webhooks;
      this.comfyAddress = comfyAddress;
      this.demo = demo;
      this.store = new PromptStore(config.promptHistory(), config.resultCacheBytes());
      this.limits = new GenerateBody.Limits(config.maxPromptLength(), config.maxImageCount(), config.maxImageSize(),
          new WebhookPolicy(config.webhookAllowedHosts()));
    }

    WorkflowManager workflows() {
      return comfy.workflows();
    }

    /** Takes a slot for a new prompt, or returns false when {@code COMFYLITE_MAX_PENDING} are unfinished. */
    boolean tryAcquire() {
      while (true) {
        int n = pending.get();
        if (n >= config.maxPending()) {
          return false;
        }
        if (pending.compareAndSet(n, n + 1)) {
          return true;
        }
      }
    }

    void release() {
      pending.decrementAndGet();
    }
  }

  private Handlers() {}

  /** The routes of the API, in the order the router tries them. */
  static List<Route> routes(State state) {
    OpenApi openApi = OpenApi.load();
    return List.of(
        Route.of("/generate").post(new Generate(state)).build(),
        Route.of("/workflows").get(new ListWorkflows(state)).build(),
        Route.of("/workflows/{name}").get(new GetWorkflow(state)).build(),
        Route.of("/prompts/{id}").get(new GetPrompt(state)).delete(new CancelPrompt(state)).build(),
        Route.open("/health").get(request -> Response.json(200, Map.of("status", "ok"))).build(),
        Route.open("/ready").get(new Ready(state)).build(),
        Route.of("/openapi.json").get(request -> Response.bytes(200, "application/json", openApi.json)).build(),
        Route.of("/openapi.yaml").get(request -> Response.bytes(200, "application/yaml", openApi.yaml)).build());
  }

  /** {@code POST /generate}. */
  static final class Generate implements Route.Handler {
    private final State state;

    Generate(State state) {
      this.state = state;
    }

    @Override
    public Response handle(Request request) throws IOException {
      request.requireJson();
      GenerateBody body = GenerateBody.parse(request.body(), state.limits);
      String name = body.workflow().orElse(state.config.defaultWorkflow());
      Workflow workflow = workflow(state.workflows(), name, false);

      Map<String, Object> params = new LinkedHashMap<>(body.params());
      if (workflow.parameter("prompt").isPresent() && !params.containsKey("prompt")) {
        // The original's message, and unlike the original nothing is submitted.
        throw HttpError.badRequest("prompt cannot be empty");
      }
      ORIGINAL_DEFAULTS.forEach((parameter, value) -> {
        if (workflow.parameter(parameter).isPresent()) {
          params.putIfAbsent(parameter, value);
        }
      });

      if (!state.tryAcquire()) {
        throw new HttpError(429, "too many unfinished prompts (" + state.config.maxPending()
            + ", COMFYLITE_MAX_PENDING); retry later")
            .header("Retry-After", Integer.toString(RETRY_AFTER_SECONDS));
      }
      GenerationRequest.Builder generation = GenerationRequest.builder(name)
          .params(params)
          .timeout(state.config.promptTimeout())
          .addSink(outcome -> {
            state.store.finished(outcome);
            state.release();
          });
      body.webhook().ifPresent(url -> generation.addSink(state.webhooks.sink(url)));

      PromptHandle handle;
      try {
        handle = state.comfy.submit(generation.build());
      } catch (WorkflowException e) {
        state.release();
        throw HttpError.badRequest(parameterMessage(e, body));
      } catch (IllegalStateException e) {
        state.release();
        throw new HttpError(503, "the server is shutting down");
      } catch (RuntimeException e) {
        state.release();
        throw e;
      }
      state.store.submitted(handle.promptId(), name);
      LOG.log(Level.DEBUG, () -> "submitted prompt " + handle.promptId() + " (workflow " + name + ", webhook "
          + body.webhook().map(WebhookPolicy::redact).orElse("none") + ")");

      Outcome early = handle.outcome().getNow(null);
      if (early instanceof Outcome.Failed failed) {
        if (failed.kind() == FailureKind.VALIDATION) {
          throw HttpError.badRequest("ComfyUI rejected the workflow: " + failed.message())
              .with("kind", "validation").with("node_errors", failed.details()).with("prompt_id", handle.promptId());
        }
        if (failed.kind() == FailureKind.UNAVAILABLE) {
          throw new HttpError(503, "ComfyUI is unreachable at " + state.comfyAddress + ": " + failed.message())
              .with("kind", "unavailable").with("prompt_id", handle.promptId());
        }
      }
      Map<String, Object> response = new LinkedHashMap<>();
      response.put("prompt_id", handle.promptId());
      response.put("workflow", name);
      return Response.json(200, response);
    }

    /** A workflow error, prefixed with the request field the client used when it concerns one parameter. */
    private static String parameterMessage(WorkflowException e, GenerateBody body) {
      String message = e.getMessage();
      Optional<String> key = e.key();
      if (key.isPresent() && body.fields().containsKey(key.get())) {
        String field = body.fields().get(key.get());
        if (!field.equals(key.get()) && !message.contains(field)) {
          return field + ": " + message;
        }
      }
      return message;
    }
  }

  /** {@code GET /workflows}. */
  static final class ListWorkflows implements Route.Handler {
    private final State state;

    ListWorkflows(State state) {
      this.state = state;
    }

    @Override
    public Response handle(Request request) {
      WorkflowManager manager = state.workflows();
      List<Map<String, Object>> workflows = new java.util.ArrayList<>();
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

  /** {@code GET /workflows/{name}}. */
  static final class GetWorkflow implements Route.Handler {
    private final State state;

    GetWorkflow(State state) {
      this.state = state;
    }

    @Override
    public Response handle(Request request) {
      String name = request.pathParam("name");
      if (!WorkflowNames.isValid(name)) {
        throw HttpError.badRequest(WorkflowNames.problem(name));
      }
      Workflow workflow = workflow(state.workflows(), name, true);
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("name", workflow.name());
      workflow.description().ifPresent(d -> body.put("description", d));
      body.put("produces_images", workflow.producesImages());
      List<Map<String, Object>> parameters = new java.util.ArrayList<>();
      for (ParameterSpec spec : workflow.parameters()) {
        parameters.add(describe(spec, state.config));
      }
      body.put("parameters", parameters);
      return Response.json(200, body);
    }

    /** A parameter as clients should see it: with the server's defaults and limits folded in. */
    static Map<String, Object> describe(ParameterSpec spec, ServerConfig config) {
      Map<String, Object> p = new LinkedHashMap<>();
      p.put("name", spec.name());
      for (Map.Entry<String, String> field : GenerateBody.PARAMETER_FIELDS.entrySet()) {
        if (field.getValue().equals(spec.name())) {
          p.put("field", field.getKey());
        }
      }
      p.put("type", spec.type().name().toLowerCase(Locale.ROOT));
      p.put("required", spec.required() || spec.name().equals("prompt"));
      Object serverDefault = ORIGINAL_DEFAULTS.get(spec.name());
      if (serverDefault != null) {
        p.put("default", serverDefault);
      } else {
        spec.defaultValue().ifPresent(v -> p.put("default", v));
      }
      Optional<BigDecimal> min = spec.min();
      Optional<BigDecimal> max = spec.max();
      Optional<Integer> serverMax = serverMax(spec.name(), config);
      if (serverMax.isPresent()) {
        BigDecimal floor = BigDecimal.valueOf(spec.name().equals("imageCount") ? 1 : GenerateBody.MIN_IMAGE_SIZE);
        BigDecimal ceiling = BigDecimal.valueOf(serverMax.get());
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

    private static Optional<Integer> serverMax(String parameter, ServerConfig config) {
      switch (parameter) {
        case "imageCount":
          return Optional.of(config.maxImageCount());
        case "width":
        case "height":
          return Optional.of(config.maxImageSize());
        default:
          return Optional.empty();
      }
    }
  }

  /** {@code GET /prompts/{id}}. */
  static final class GetPrompt implements Route.Handler {
    private final State state;

    GetPrompt(State state) {
      this.state = state;
    }

    @Override
    public Response handle(Request request) {
      String id = request.pathParam("id");
      PromptStore.Entry entry = state.store.get(id).orElseThrow(() -> unknownPrompt(id));
      if (!entry.finished()) {
        Optional<PromptStatus> status = state.comfy.status(id);
        if (status.isPresent() && status.get().outcome().isPresent()) {
          // Finished a moment ago; our own sink has not run yet.
          state.store.finished(status.get().outcome().get());
          entry = state.store.get(id).orElse(entry);
        } else {
          return Response.json(200, live(entry, status));
        }
      }
      PromptStore.Entry finished = entry;
      return Response.streaming(200, "application/json", out -> writeFinished(finished, out));
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
    private static void writeFinished(PromptStore.Entry entry, java.io.OutputStream out) throws IOException {
      try (JsonGenerator json = ServerJson.MAPPER.getFactory().createGenerator(out)) {
        json.writeStartObject();
        json.writeStringField("prompt_id", entry.promptId());
        json.writeStringField("workflow", entry.workflow());
        if (entry.succeeded()) {
          json.writeStringField("status", "succeeded");
          if (entry.images().isPresent()) {
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
          json.writeStringField("kind", failed.kind().name().toLowerCase(Locale.ROOT));
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

  /** {@code DELETE /prompts/{id}}. */
  static final class CancelPrompt implements Route.Handler {
    private final State state;

    CancelPrompt(State state) {
      this.state = state;
    }

    @Override
    public Response handle(Request request) {
      String id = request.pathParam("id");
      PromptStore.Entry entry = state.store.get(id).orElseThrow(() -> unknownPrompt(id));
      if (entry.finished() || !state.comfy.cancel(id)) {
        PromptStore.Entry now = state.store.get(id).orElse(entry);
        String how = now.succeeded() ? "succeeded" : now.failure().map(f -> "failed ("
            + f.kind().name().toLowerCase(Locale.ROOT) + ")").orElse("finished");
        throw new HttpError(409, "prompt " + id + " has already " + how + "; nothing to cancel");
      }
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("prompt_id", id);
      body.put("status", "cancelling");
      return Response.json(202, body);
    }
  }

  /** {@code GET /ready}. */
  static final class Ready implements Route.Handler {
    private final State state;

    Ready(State state) {
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

  /** The OpenAPI document, read once from the jar. */
  static final class OpenApi {
    static final String RESOURCE = "openapi.yaml";
    final byte[] yaml;
    final byte[] json;

    private OpenApi(byte[] yaml, byte[] json) {
      this.yaml = yaml;
      this.json = json;
    }

    static OpenApi load() {
      try (InputStream in = Handlers.class.getResourceAsStream(RESOURCE)) {
        if (in == null) {
          throw new IllegalStateException("the server jar lacks its OpenAPI document " + RESOURCE);
        }
        byte[] yaml = in.readAllBytes();
        JsonNode tree = new YAMLMapper().readTree(yaml);
        return new OpenApi(yaml, ServerJson.MAPPER.writeValueAsBytes(tree));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read the OpenAPI document", e);
      }
    }

    JsonNode tree() {
      try {
        return ServerJson.MAPPER.readTree(json);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  private static Workflow workflow(WorkflowManager manager, String name, boolean asResource) {
    try {
      return manager.workflow(name);
    } catch (WorkflowException e) {
      if (manager.problems().containsKey(name)) {
        throw new HttpError(500, "workflow '" + name + "' cannot be loaded: " + e.getMessage());
      }
      // As a path (/workflows/{name}) an unknown name is 404; as a field of /generate it is a bad request.
      throw new HttpError(asResource ? 404 : 400, e.getMessage());
    }
  }

  private static HttpError unknownPrompt(String id) {
    return HttpError.notFound("unknown prompt '" + WorkflowNames.printable(id)
        + "': this server did not submit it, or has forgotten it (COMFYLITE_PROMPT_HISTORY)");
  }
}
