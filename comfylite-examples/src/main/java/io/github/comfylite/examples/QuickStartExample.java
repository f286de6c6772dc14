package io.github.comfylite.examples;

import io.github.comfylite.ComfyLite;
import io.github.comfylite.GenerationRequest;
import io.github.comfylite.result.GenerationResult;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;

/**
 * Generates images with one blocking call and writes them to files: the shortest useful ComfyLite program.
 *
 * <pre>{@code
 * try (ComfyLite comfy = ComfyLite.builder()
 *     .comfyUrl(URI.create("http://127.0.0.1:8188"))
 *     .workflowDirectories(Path.of("templates"), Path.of("configs"))
 *     .build()) {
 *   GenerationResult result = comfy.generate(GenerationRequest.builder("smoke").build()).join();
 *   Files.write(Path.of("image.png"), result.images().get(0).bytes());
 * }
 * }</pre>
 *
 * <p>Environment variables (all optional):
 * <ul>
 *   <li>{@code COMFYUI_URL}: ComfyUI's base URL; default {@code http://127.0.0.1:8000}
 *   <li>{@code COMFYLITE_TEMPLATES_DIR}, {@code COMFYLITE_CONFIGS_DIR}: the workflow directories; default
 *       {@code templates} and {@code configs}
 *   <li>{@code WORKFLOW}: the workflow to run; default {@code smoke}, which needs no model
 *   <li>{@code PROMPT}: the {@code prompt} parameter, for workflows that have one (such as {@code starter})
 *   <li>{@code OUTPUT_DIR}: where to write the images; default {@code output}
 * </ul>
 * It prints the absolute path of every image it wrote, one per line.
 */
public final class QuickStartExample {
  private QuickStartExample() {}

  /**
   * Runs the example with the process environment, printing to standard output.
   *
   * @param args ignored; configure with environment variables
   * @throws Exception if generation fails (the message says why) or a file cannot be written
   */
  public static void main(String[] args) throws Exception {
    run(System.getenv(), System.out);
  }

  static void run(Map<String, String> environment, PrintStream out) throws Exception {
    try (ExampleEnv env = new ExampleEnv(environment)) {
      String workflow = env.string("WORKFLOW", "smoke");
      String prompt = env.string("PROMPT", null);
      Path outputDir = env.outputDir();

      try (ComfyLite comfy = ComfyLite.builder()
          .comfyUrl(env.comfyUrl())
          .workflowDirectories(env.templatesDir("templates"), env.configsDir("configs"))
          .build()) {
        GenerationRequest.Builder request = GenerationRequest.builder(workflow);
        if (prompt != null) {
          request.param("prompt", prompt);
        }
        // generate(...) returns a CompletableFuture; join() waits for the images. A failed prompt throws a
        // CompletionException whose cause is a PromptFailedException saying what ComfyUI reported.
        GenerationResult result = comfy.generate(request.build()).join();

        // Each image is written with GeneratedImage.writeTo, which streams the bytes ComfyLite holds (no copy).
        for (Path file : ExampleFiles.writeImages(result, outputDir)) {
          out.println(file);
        }
      }
    }
  }
}
