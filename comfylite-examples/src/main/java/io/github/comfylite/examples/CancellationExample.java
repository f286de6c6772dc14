package io.github.comfylite.examples;

import io.github.comfylite.ComfyLite;
import io.github.comfylite.ComfyLiteListener;
import io.github.comfylite.GenerationRequest;
import io.github.comfylite.PromptHandle;
import io.github.comfylite.result.Outcome;
import java.io.PrintStream;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Cancels two prompts: one still waiting in ComfyUI's queue, and one that is running.
 *
 * <p>Cancelling a queued prompt removes it from ComfyUI's queue ({@code POST /queue} with {@code delete}); cancelling
 * a running one interrupts it ({@code POST /interrupt} with its prompt id, so another client's prompt is never
 * stopped). Either way its outcome is {@code Failed} with kind {@code CANCELLED}, delivered to every sink. There are
 * two ways to cancel, and the example uses both:
 * <pre>{@code
 * PromptHandle handle = comfy.submit(request);
 * handle.result().cancel(true);        // cancelling the result future cancels the prompt
 * comfy.cancel(handle.promptId());     // or cancel by prompt id, e.g. from another request
 * }</pre>
 *
 * <p>It submits a larger {@code smoke} prompt (A), then a small one (B) that waits behind it. When A has started it
 * cancels B first (still queued), then A (running). The queued prompt is cancelled first because cancelling A would
 * let B start. A fast ComfyUI may finish A before the interrupt arrives; the example then says so.
 *
 * <p>Environment variables (all optional): {@code COMFYUI_URL} (default {@code http://127.0.0.1:8000}),
 * {@code COMFYLITE_TEMPLATES_DIR} / {@code COMFYLITE_CONFIGS_DIR} (default {@code templates} / {@code configs}),
 * {@code SIZE} (A's width and height, default 1024), {@code COUNT} (A's image count, default 8),
 * {@code TIMEOUT_SECONDS} (default 120).
 *
 * <p>It prints {@code submitted A} and {@code submitted B} with their prompt ids, {@code A started}, then
 * {@code queued prompt B: CANCELLED (…)} and {@code running prompt A: CANCELLED (…)}.
 */
public final class CancellationExample {
  private CancellationExample() {}

  /**
   * Runs the example with the process environment, printing to standard output.
   *
   * @param args ignored; configure with environment variables
   * @throws Exception if a prompt does not start or end within the timeout
   */
  public static void main(String[] args) throws Exception {
    run(System.getenv(), System.out);
  }

  static void run(Map<String, String> environment, PrintStream out) throws Exception {
    try (ExampleEnv env = new ExampleEnv(environment)) {
      int size = env.integer("SIZE", 1024, 1, 4096);
      int count = env.integer("COUNT", 8, 1, 16);
      long timeoutSeconds = env.seconds("TIMEOUT_SECONDS", 120).toSeconds();

      try (ComfyLite comfy = ComfyLite.builder()
          .comfyUrl(env.comfyUrl())
          .workflowDirectories(env.templatesDir("templates"), env.configsDir("configs"))
          .build()) {
        CountDownLatch started = new CountDownLatch(1);
        PromptHandle running = comfy.submit(GenerationRequest.builder("smoke")
            .param("width", size)
            .param("height", size)
            .param("imageCount", count)
            .listener(new ComfyLiteListener() {
              @Override
              public void onStarted(String promptId) {
                started.countDown();
              }
            })
            .build());
        out.println("submitted A " + running.promptId());
        PromptHandle queued = comfy.submit(GenerationRequest.builder("smoke").build());
        out.println("submitted B " + queued.promptId());

        if (!started.await(timeoutSeconds, TimeUnit.SECONDS)) {
          throw new IllegalStateException("prompt A did not start within " + timeoutSeconds + " s");
        }
        out.println("A started");

        // B still waits behind A: cancelling its future removes it from ComfyUI's queue.
        queued.result().cancel(true);
        // A is running: cancelling by id interrupts it (only it; other clients' prompts are left alone).
        boolean inFlight = comfy.cancel(running.promptId());

        // outcome() always completes normally, with the same Outcome every sink receives.
        report(out, "queued prompt B", queued.outcome().get(timeoutSeconds, TimeUnit.SECONDS));
        Outcome outcome = running.outcome().get(timeoutSeconds, TimeUnit.SECONDS);
        if (!inFlight) {
          out.println("running prompt A had already finished when the cancel arrived");
        }
        report(out, "running prompt A", outcome);
      }
    }
  }

  private static void report(PrintStream out, String what, Outcome outcome) {
    if (outcome.isSucceeded()) {
      out.println(what + ": SUCCEEDED (it finished before the cancel reached ComfyUI)");
    } else {
      Outcome.Failed failed = outcome.asFailed();
      out.println(what + ": " + failed.kind() + " (" + failed.message() + ")");
    }
  }
}
