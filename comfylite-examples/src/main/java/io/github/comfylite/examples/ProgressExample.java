package io.github.comfylite.examples;

import io.github.comfylite.ComfyLite;
import io.github.comfylite.ComfyLiteListener;
import io.github.comfylite.Preview;
import io.github.comfylite.Progress;
import io.github.comfylite.result.Outcome;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Follows a prompt as it runs: queued, started, progress per node and step, live previews, and the outcome.
 *
 * <pre>{@code
 * ComfyLiteListener listener = new ComfyLiteListener() {
 *   @Override public void onProgress(String promptId, Progress p) {
 *     System.out.printf("node %s: %.0f/%.0f%n", p.nodeId(), p.value(), p.max());
 *   }
 * };
 * comfy.generate(GenerationRequest.builder("starter").param("prompt", "a fox").listener(listener).build());
 * }</pre>
 *
 * <p>The listener runs on ComfyLite's {@code comfylite-callbacks} thread, one call at a time per prompt and in order,
 * {@code onFinished} last. It must return quickly, so this example only prints and keeps the latest preview in an
 * {@link AtomicReference}; the main thread writes it to a file after the prompt has ended.
 *
 * <p>Environment variables (all optional): {@code COMFYUI_URL} (default {@code http://127.0.0.1:8000}),
 * {@code COMFYLITE_TEMPLATES_DIR} / {@code COMFYLITE_CONFIGS_DIR} (default {@code templates} / {@code configs}),
 * {@code WORKFLOW} (default {@code smoke}), {@code PROMPT} (for workflows with a {@code prompt} parameter),
 * {@code OUTPUT_DIR} (default {@code output}), {@code TIMEOUT_SECONDS} (default 600). The {@code smoke} workflow runs
 * two nodes and has no sampler, so it shows the stages but no previews; for sampler steps and previews, run a model
 * workflow, such as {@code WORKFLOW=starter PROMPT="a red fox"}, on a ComfyUI started with
 * {@code --preview-method auto}.
 *
 * <p>It prints one line per event ({@code queued}, {@code started}, {@code progress}, {@code preview},
 * {@code finished}), then {@code previews: N}, and {@code last preview: PATH} if any arrived.
 */
public final class ProgressExample {
  private ProgressExample() {}

  /**
   * Runs the example with the process environment, printing to standard output.
   *
   * @param args ignored; configure with environment variables
   * @throws Exception if the prompt does not end within the timeout or a file cannot be written
   */
  public static void main(String[] args) throws Exception {
    run(System.getenv(), System.out);
  }

  static void run(Map<String, String> environment, PrintStream out) throws Exception {
    try (ExampleEnv env = new ExampleEnv(environment)) {
      long timeoutSeconds = env.seconds("TIMEOUT_SECONDS", 600).toSeconds();

      AtomicInteger previews = new AtomicInteger();
      AtomicReference<Preview> lastPreview = new AtomicReference<>();
      CountDownLatch finished = new CountDownLatch(1);
      ComfyLiteListener listener = new ComfyLiteListener() {
        @Override
        public void onQueued(String promptId, int position) {
          out.println("queued   " + promptId + (position >= 0 ? " at position " + position : ""));
        }

        @Override
        public void onStarted(String promptId) {
          out.println("started  " + promptId);
        }

        @Override
        public void onProgress(String promptId, Progress progress) {
          out.printf("progress %s: node %s %.0f/%.0f (%d of %s nodes done)%n", promptId, progress.nodeId(),
              progress.value(), progress.max(), progress.nodesDone(),
              progress.nodesTotal() > 0 ? Integer.toString(progress.nodesTotal()) : "?");
        }

        @Override
        public void onPreview(String promptId, Preview preview) {
          previews.incrementAndGet();
          lastPreview.set(preview); // hand the bytes to the main thread; no I/O on the callback thread
          out.println("preview  " + promptId + ": " + preview.mimeType() + ", " + preview.bytes().length + " bytes");
        }

        @Override
        public void onFinished(String promptId, Outcome outcome) {
          if (outcome.isSucceeded()) {
            out.println("finished " + promptId + ": succeeded with "
                + outcome.asSucceeded().result().images().size() + " image(s)");
          } else {
            Outcome.Failed failed = outcome.asFailed();
            out.println("finished " + promptId + ": failed (" + failed.kind() + "): " + failed.message());
          }
          finished.countDown();
        }
      };

      try (ComfyLite comfy = ComfyLite.builder()
          .comfyUrl(env.comfyUrl())
          .workflowDirectories(env.templatesDir("templates"), env.configsDir("configs"))
          .build()) {
        comfy.submit(env.request().listener(listener).build());
        // Wait for the listener's last call rather than for a future, so that every line is printed before we go on.
        // A failure is printed by onFinished, not thrown here.
        if (!finished.await(timeoutSeconds, TimeUnit.SECONDS)) {
          throw new IllegalStateException("the prompt did not finish within " + timeoutSeconds
              + " s (TIMEOUT_SECONDS)");
        }
      }

      out.println("previews: " + previews.get());
      Preview preview = lastPreview.get();
      if (preview != null) {
        Path outputDir = env.outputDir();
        Files.createDirectories(outputDir);
        Path file = outputDir.resolve("last-preview" + ExampleFiles.extension(preview.mimeType()));
        Files.write(file, preview.bytes());
        out.println("last preview: " + file.toAbsolutePath());
      }
    }
  }
}
