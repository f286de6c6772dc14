package io.github.comfylite.examples;

import io.github.comfylite.ComfyLite;
import io.github.comfylite.GenerationRequest;
import io.github.comfylite.errors.WorkflowException;
import io.github.comfylite.result.GenerationResult;
import io.github.comfylite.workflow.ImageInput;
import io.github.comfylite.workflow.ParameterSpec;
import io.github.comfylite.workflow.Workflow;
import io.github.comfylite.workflow.WorkflowManager;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;

/**
 * Runs a workflow of your own with typed parameters and an input image: the {@code img2img} workflow shipped in
 * {@code comfylite-examples/workflows/} (LoadImage → VAEEncode → KSampler → VAEDecode → SaveImage).
 *
 * <pre>{@code
 * GenerationRequest request = GenerationRequest.builder("img2img")
 *     .param("image", new ImageInput("cat.png", Files.readAllBytes(Path.of("cat.png"))))  // uploaded for you
 *     .param("prompt", "a watercolor painting of a cat")                                // string
 *     .param("denoise", 0.55)                                                           // number in [0, 1]
 *     .param("steps", 25)                                                               // integer in [1, 100]
 *     .build();
 * }</pre>
 *
 * <p>Its mapping, {@code workflows/configs/img2img.yaml}, finds nodes by title and declares each parameter's type,
 * default, limits and allowed values. The example prints those parameters, shows that a value outside the limits is
 * refused before anything is sent to ComfyUI, then uploads the image, runs the workflow and writes the results. See
 * {@code docs/custom-workflows.md} for how to write such a mapping.
 *
 * <p>Needs {@code v1-5-pruned-emaonly.safetensors} in ComfyUI's {@code models/checkpoints}; without it ComfyUI
 * rejects the prompt and the example prints ComfyUI's message.
 *
 * <p>Environment variables (all optional): {@code COMFYUI_URL} (default {@code http://127.0.0.1:8000});
 * {@code COMFYLITE_TEMPLATES_DIR} / {@code COMFYLITE_CONFIGS_DIR} (default
 * {@code comfylite-examples/workflows/templates} / {@code comfylite-examples/workflows/configs}); {@code WORKFLOW}
 * (default {@code img2img});
 * {@code INPUT_IMAGE} (a PNG or JPEG file; default: a generated 64×64 gradient); {@code PROMPT} (default
 * {@code a watercolor painting of a lighthouse}); {@code DENOISE} (0 to 1, default 0.6); {@code STEPS} (1 to 100,
 * default 20); {@code SAMPLER} (default {@code euler}); {@code OUTPUT_DIR} (default {@code output});
 * {@code TIMEOUT_SECONDS} (default 600).
 *
 * <p>It prints {@code parameters of WORKFLOW:} and one line per parameter, then
 * {@code refused before submitting: MESSAGE}, then {@code uploaded as NAME}, the path of every image it wrote, and
 * {@code seed: N}.
 */
public final class CustomWorkflowExample {
  private CustomWorkflowExample() {}

  /**
   * Runs the example with the process environment, printing to standard output.
   *
   * @param args ignored; configure with environment variables
   * @throws Exception if the prompt fails (the message says why) or a file cannot be read or written
   */
  public static void main(String[] args) throws Exception {
    run(System.getenv(), System.out);
  }

  static void run(Map<String, String> environment, PrintStream out) throws Exception {
    try (ExampleEnv env = new ExampleEnv(environment)) {
      String workflowName = env.string("WORKFLOW", "img2img");
      long timeoutSeconds = env.seconds("TIMEOUT_SECONDS", 600).toSeconds();
      ImageInput image = inputImage(env.string("INPUT_IMAGE", null));

      // The manager is given to ComfyLite, so the example can also read the workflow's parameters from it.
      WorkflowManager workflows = WorkflowManager.create(
          env.templatesDir("comfylite-examples/workflows/templates"),
          env.configsDir("comfylite-examples/workflows/configs"));
      Workflow workflow = workflows.workflow(workflowName);
      out.println("parameters of " + workflow.name() + ":");
      for (ParameterSpec parameter : workflow.parameters()) {
        out.println("  " + describe(parameter));
      }

      try (ComfyLite comfy = ComfyLite.builder()
          .comfyUrl(env.comfyUrl())
          .workflowManager(workflows)
          .build()) {
        GenerationRequest request = GenerationRequest.builder(workflowName)
            .param("image", image)
            .param("prompt", env.string("PROMPT", "a watercolor painting of a lighthouse"))
            .param("denoise", env.number("DENOISE", 0.6, 0, 1))
            .param("steps", env.integer("STEPS", 20, 1, 100))
            .param("sampler", env.string("SAMPLER", "euler"))
            .build();

        // Values are checked against the mapping when the request is submitted, before anything reaches ComfyUI.
        try {
          comfy.submit(request.toBuilder().param("denoise", 1.5).build());
          throw new IllegalStateException("denoise 1.5 should have been refused: the mapping allows 0 to 1");
        } catch (WorkflowException e) {
          out.println("refused before submitting: " + e.getMessage());
        }

        GenerationResult result = comfy.generate(request).get(timeoutSeconds, TimeUnit.SECONDS);
        // The image parameter now holds the name ComfyUI stored the upload under (it may differ from ours).
        out.println("uploaded as " + result.parameters().get("image"));
        for (Path file : ExampleFiles.writeImages(result, env.outputDir())) {
          out.println(file);
        }
        out.println("seed: " + result.parameters().get("seed"));
      }
    }
  }

  /** One line about a parameter: name, type, required/default/random, limits, allowed values, description. */
  private static String describe(ParameterSpec p) {
    StringBuilder line = new StringBuilder(p.name()).append(": ").append(p.type().name().toLowerCase(Locale.ROOT));
    if (p.required()) {
      line.append(", required");
    } else if (p.randomWhenAbsent()) {
      line.append(", random when absent");
    } else {
      p.defaultValue().ifPresent(value -> line.append(", default ").append(value));
    }
    p.min().ifPresent(min -> line.append(", min ").append(min.toPlainString()));
    p.max().ifPresent(max -> line.append(", max ").append(max.toPlainString()));
    if (!p.allowedValues().isEmpty()) {
      line.append(", one of ").append(p.allowedValues());
    }
    p.description().ifPresent(text -> line.append(" (").append(text).append(')'));
    return line.toString();
  }

  /** The image file named by INPUT_IMAGE, or a generated gradient when it is unset. */
  private static ImageInput inputImage(String path) throws IOException {
    if (path != null) {
      Path file = Path.of(path);
      return new ImageInput(file.getFileName().toString(), Files.readAllBytes(file));
    }
    BufferedImage gradient = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
    Graphics2D graphics = gradient.createGraphics();
    try {
      graphics.setPaint(new GradientPaint(0, 0, new Color(0x1D3557), 64, 64, new Color(0xE9C46A)));
      graphics.fillRect(0, 0, 64, 64);
    } finally {
      graphics.dispose();
    }
    ByteArrayOutputStream png = new ByteArrayOutputStream();
    ImageIO.write(gradient, "png", png);
    return new ImageInput("comfylite-gradient.png", png.toByteArray());
  }
}
