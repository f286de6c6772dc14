package io.github.comfylite;

import io.github.comfylite.errors.PromptFailedException;
import io.github.comfylite.result.GenerationResult;
import io.github.comfylite.result.Outcome;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

/**
 * A submitted prompt: its id, and futures for how it ends.
 *
 * <p>Both futures complete on ComfyLite's callback executor (never on the event loop or the socket's reader thread),
 * so stages chained on them may block briefly, but should not block for long.
 */
public final class PromptHandle {
  private volatile String promptId;
  private final String workflow;
  private final Predicate<String> canceller;
  private final ResultFuture result;
  private final CompletableFuture<Outcome> outcome = new CompletableFuture<>();

  PromptHandle(String promptId, String workflow, Predicate<String> canceller) {
    this.promptId = Objects.requireNonNull(promptId, "promptId");
    this.workflow = Objects.requireNonNull(workflow, "workflow");
    this.canceller = Objects.requireNonNull(canceller, "canceller");
    this.result = new ResultFuture(this);
  }

  /**
   * The ComfyUI prompt id; final once {@link ComfyLite#submit} has returned.
   *
   * @return the id ComfyUI knows the prompt by
   */
  public String promptId() {
    return promptId;
  }

  /**
   * The name of the workflow the prompt was built from.
   *
   * @return the workflow's name, as in the request
   */
  public String workflow() {
    return workflow;
  }

  /**
   * The result: completes with the images, or exceptionally with a {@link PromptFailedException} whose
   * {@link PromptFailedException#kind() kind} says why. Cancelling this future ({@code cancel(true)} or
   * {@code cancel(false)}) cancels the prompt in ComfyUI, as {@link #cancel()} does.
   *
   * @return the same future on every call
   */
  public CompletableFuture<GenerationResult> result() {
    return result;
  }

  /**
   * The outcome, the same one every sink receives. Always completes normally, with a {@code Succeeded} or a
   * {@code Failed}. Cancelling this future does not cancel the prompt.
   *
   * @return the same future on every call
   */
  public CompletableFuture<Outcome> outcome() {
    return outcome;
  }

  /**
   * Cancels the prompt: removes it from ComfyUI's queue if it waits there, or interrupts it if it is running. The
   * outcome then becomes {@code Failed(CANCELLED)}.
   *
   * @return {@code true} if the prompt was still in flight and will end as cancelled; {@code false} if it had already
   *     ended
   */
  public boolean cancel() {
    return canceller.test(promptId);
  }

  /** Adopts the id the server gave the prompt (servers that ignore client ids); before the handle is returned. */
  void rekey(String serverPromptId) {
    this.promptId = Objects.requireNonNull(serverPromptId, "serverPromptId");
  }

  /** Completes both futures with {@code o}; later calls do nothing. Called on the callback executor. */
  void complete(Outcome o) {
    outcome.complete(o);
    if (o instanceof Outcome.Succeeded s) {
      result.completeQuietly(s.result());
    } else {
      Outcome.Failed f = (Outcome.Failed) o;
      result.failQuietly(new PromptFailedException(
          f.promptId(), f.kind(), f.message(), f.nodeId().orElse(null), f.nodeType().orElse(null)));
    }
  }

  @Override
  public String toString() {
    return "PromptHandle{" + promptId + ", workflow " + workflow + "}";
  }

  /** The result future: cancelling it cancels the prompt. */
  private static final class ResultFuture extends CompletableFuture<GenerationResult> {
    private final PromptHandle handle;

    ResultFuture(PromptHandle handle) {
      this.handle = handle;
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      boolean cancelled = super.cancel(mayInterruptIfRunning);
      if (cancelled) {
        handle.cancel();
      }
      return cancelled;
    }

    void completeQuietly(GenerationResult r) {
      super.complete(r);
    }

    void failQuietly(Throwable t) {
      super.completeExceptionally(t);
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
      // Dependent stages are plain futures: cancelling one of them must not cancel the prompt.
      return new CompletableFuture<>();
    }
  }
}
