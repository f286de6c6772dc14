package io.github.comfylite.examples;

import io.github.comfylite.ComfyLite;
import io.github.comfylite.GenerationRequest;
import io.github.comfylite.result.GenerationResult;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs several prompts at once and composes their futures, without blocking a thread per prompt.
 *
 * <p>It submits {@code COUNT} small {@code smoke} prompts in different colours at once, turns each result into a
 * line of text with {@code thenApply}, waits for all of them with {@code allOf}, and then chains a follow-up prompt
 * on the first result with {@code thenCompose}: a larger image in the same colour. ComfyUI runs prompts one after
 * another, but none of them waits on a Java thread.
 *
 * <pre>{@code
 * List<CompletableFuture<GenerationResult>> futures = colours.stream()
 *     .map(c -> comfy.generate(GenerationRequest.builder("smoke").param("color", c).build()))
 *     .toList();
 * CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).join();
 * }</pre>
 *
 * <p>Environment variables (all optional): {@code COMFYUI_URL} (default {@code http://127.0.0.1:8000}),
 * {@code COMFYLITE_TEMPLATES_DIR} / {@code COMFYLITE_CONFIGS_DIR} (default {@code templates} / {@code configs}),
 * {@code COUNT} (prompts at once, 1 to 16; default 4), {@code TIMEOUT_SECONDS} (for everything; default 300).
 *
 * <p>It prints one line per prompt ({@code colour #RRGGBB -> prompt ID: N image(s), SIZE bytes}), then
 * {@code all N prompts done}, then the follow-up line ({@code follow-up #RRGGBB at 256x256 -> prompt ID: …}).
 */
public final class AsyncExample {
  private static final int[] COLOURS = {
    0xE63946, 0xF1FAEE, 0xA8DADC, 0x457B9D, 0x1D3557, 0x2A9D8F, 0xE9C46A, 0xF4A261,
    0x264653, 0x8338EC, 0xFF006E, 0xFB5607, 0xFFBE0B, 0x3A86FF, 0x06D6A0, 0x118AB2
  };

  private AsyncExample() {}

  /**
   * Runs the example with the process environment, printing to standard output.
   *
   * @param args ignored; configure with environment variables
   * @throws Exception if a prompt fails or the timeout passes
   */
  public static void main(String[] args) throws Exception {
    run(System.getenv(), System.out);
  }

  static void run(Map<String, String> environment, PrintStream out) throws Exception {
    try (ExampleEnv env = new ExampleEnv(environment)) {
      int count = env.integer("COUNT", 4, 1, COLOURS.length);
      long timeoutSeconds = env.seconds("TIMEOUT_SECONDS", 300).toSeconds();

      try (ComfyLite comfy = ComfyLite.builder()
          .comfyUrl(env.comfyUrl())
          .workflowDirectories(env.templatesDir("templates"), env.configsDir("configs"))
          .build()) {
        // 1. Fan out: submit every prompt before waiting for any. Each thenApply runs when its own prompt ends.
        List<CompletableFuture<String>> lines = new ArrayList<>();
        List<CompletableFuture<GenerationResult>> results = new ArrayList<>();
        for (int i = 0; i < count; i++) {
          int colour = COLOURS[i];
          CompletableFuture<GenerationResult> result = comfy.generate(smoke(colour, 64));
          results.add(result);
          lines.add(result.thenApply(r -> describe("colour " + hex(colour), r)));
        }

        // 2. Fan in: allOf completes when every prompt has; a failed prompt makes it fail too.
        CompletableFuture<Void> all = CompletableFuture.allOf(lines.toArray(CompletableFuture[]::new));
        all.get(timeoutSeconds, TimeUnit.SECONDS);
        for (CompletableFuture<String> line : lines) {
          out.println(line.join()); // already complete: join() does not wait here
        }
        out.println("all " + count + " prompts done");

        // 3. Chain: a second prompt that starts only when the first has finished and uses its parameters.
        String followUp = results.get(0)
            .thenCompose(first -> {
              int colour = ((Number) first.parameters().get("color")).intValue();
              return comfy.generate(smoke(colour, 256))
                  .thenApply(r -> describe("follow-up " + hex(colour) + " at 256x256", r));
            })
            .get(timeoutSeconds, TimeUnit.SECONDS);
        out.println(followUp);
      }
    }
  }

  private static GenerationRequest smoke(int colour, int size) {
    return GenerationRequest.builder("smoke")
        .param("color", colour)
        .param("width", size)
        .param("height", size)
        .build();
  }

  private static String describe(String what, GenerationResult result) {
    long bytes = result.images().stream().mapToLong(image -> image.size()).sum();
    return what + " -> prompt " + result.promptId() + ": " + result.images().size() + " image(s), " + bytes + " bytes";
  }

  private static String hex(int colour) {
    return String.format("#%06X", colour);
  }
}
