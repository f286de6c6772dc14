package io.github.comfylite.server;

import io.github.comfylite.ComfyLite;
import io.github.comfylite.PromptStatus;
import io.github.comfylite.errors.WorkflowException;
import io.github.comfylite.result.WebhookSender;
import io.github.comfylite.workflow.Workflow;
import io.github.comfylite.workflow.WorkflowManager;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/** What the route handlers share: the configuration, the facade, the webhook sender and the prompt store. */
final class ServerState {
  final ServerConfig config;
  final ComfyLite comfy;
  final WebhookSender webhooks;
  final PromptStore store;
  final GenerateBody.Limits limits;
  final String comfyAddress;
  /** Serving from the embedded fake ({@code COMFYUI_ADDRESS=demo} or {@code --demo}). */
  final boolean demo;
  final AtomicInteger pending = new AtomicInteger();

  ServerState(ServerConfig config, ComfyLite comfy, WebhookSender webhooks, String comfyAddress) {
    this.config = config;
    this.comfy = comfy;
    this.webhooks = webhooks;
    this.comfyAddress = comfyAddress;
    this.demo = config.demo();
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

  /**
   * The workflow called {@code name}.
   *
   * @param asResource whether the name came from the path ({@code /workflows/{name}}: unknown is 404) or from a
   *     request field ({@code /generate}: unknown is 400)
   * @throws HttpError 404 or 400 for an unknown workflow (with the manager's "did you mean"), 500 for a broken one
   */
  Workflow workflow(String name, boolean asResource) {
    WorkflowManager manager = workflows();
    try {
      return manager.workflow(name);
    } catch (WorkflowException e) {
      if (manager.problems().containsKey(name)) {
        throw new HttpError(500, "workflow '" + name + "' cannot be loaded: " + e.getMessage());
      }
      throw new HttpError(asResource ? 404 : 400, e.getMessage());
    }
  }

  /** A prompt's stored entry, up to date with the facade, and the facade's status while it is not finished. */
  record Current(PromptStore.Entry entry, Optional<PromptStatus> status) {}

  /**
   * The prompt this server submitted as {@code id}, brought up to date: when the facade already has its outcome but
   * the store's own sink has not run yet (a moment after the finish), the store takes it now.
   *
   * @throws HttpError 404 for a prompt this server did not submit or has forgotten
   */
  Current current(String id) {
    PromptStore.Entry entry = store.get(id).orElseThrow(() -> unknownPrompt(id));
    if (entry.finished()) {
      return new Current(entry, Optional.empty());
    }
    Optional<PromptStatus> status = comfy.status(id);
    if (status.isPresent() && status.get().outcome().isPresent()) {
      store.finished(status.get().outcome().get());
      return new Current(store.get(id).orElse(entry), Optional.empty());
    }
    return new Current(entry, status);
  }

  static HttpError unknownPrompt(String id) {
    return HttpError.notFound("unknown prompt '" + WorkflowNames.printable(id)
        + "': this server did not submit it, or has forgotten it (COMFYLITE_PROMPT_HISTORY)");
  }
}
