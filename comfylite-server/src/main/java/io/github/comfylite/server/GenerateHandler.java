package io.github.comfylite.server;

import io.github.comfylite.GenerationRequest;
import io.github.comfylite.PromptHandle;
import io.github.comfylite.errors.WorkflowException;
import io.github.comfylite.result.FailureKind;
import io.github.comfylite.result.Outcome;
import io.github.comfylite.workflow.Workflow;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * {@code POST /generate}: checks the body ({@link GenerateBody}), picks the workflow, applies the original's defaults,
 * takes a backpressure slot, submits through the facade with a sink that records the outcome in the
 * {@link PromptStore} (and frees the slot) plus, when asked, a webhook sink. Answers {@code {"prompt_id", "workflow"}}
 * once ComfyUI has accepted the prompt; 400 with {@code node_errors} when ComfyUI rejected it, 503 when it is down.
 */
final class GenerateHandler implements Route.Handler {
  private static final System.Logger LOG = System.getLogger(GenerateHandler.class.getName());
  /** The original's defaults, applied when a request leaves the field out and the workflow has the parameter. */
  static final Map<String, Object> ORIGINAL_DEFAULTS = Map.of("width", 450, "height", 450, "imageCount", 1);
  /** Seconds a client should wait after a 429. */
  static final int RETRY_AFTER_SECONDS = 5;

  private final ServerState state;

  GenerateHandler(ServerState state) {
    this.state = state;
  }

  @Override
  public Response handle(Request request) throws IOException {
    request.requireJson();
    GenerateBody body = GenerateBody.parse(request.body(), state.limits);
    String name = body.workflow().orElse(state.config.defaultWorkflow());
    Workflow workflow = state.workflow(name, false);

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
        // The tracker's message already reads "ComfyUI rejected the prompt: …"; don't prefix it twice.
        throw HttpError.badRequest(failed.message())
            .with("kind", "validation").with("node_errors", failed.details()).with("prompt_id", handle.promptId());
      }
      if (failed.kind() == FailureKind.UNAVAILABLE) {
        throw new HttpError(503, "ComfyUI is unreachable at " + state.comfyAddress + ": " + failed.message())
            .with("kind", "unavailable").with("prompt_id", handle.promptId())
            .header("Retry-After", Integer.toString(RETRY_AFTER_SECONDS));
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
