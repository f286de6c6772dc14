package io.github.comfylite.result;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The result of a prompt that succeeded.
 *
 * @param promptId the ComfyUI prompt id
 * @param workflow the workflow's name
 * @param images the images, in the order ComfyUI produced them (output nodes in graph order, batch order within a node)
 * @param parameters the parameter values the graph was built with, including defaults and a generated seed
 * @param queued how long the prompt waited in ComfyUI's queue (zero when unknown)
 * @param executed how long ComfyUI took to run it (zero when unknown)
 */
public record GenerationResult(
    String promptId,
    String workflow,
    List<GeneratedImage> images,
    Map<String, Object> parameters,
    Duration queued,
    Duration executed) {

  /**
   * Checks the components and makes the collections unmodifiable.
   *
   * @param promptId the ComfyUI prompt id
   * @param workflow the workflow's name
   * @param images the images, in the order ComfyUI produced them (output nodes in graph order, batch order within a
   *     node)
   * @param parameters the parameter values the graph was built with, including defaults and a generated seed
   * @param queued how long the prompt waited in ComfyUI's queue (zero when unknown)
   * @param executed how long ComfyUI took to run it (zero when unknown)
   */
  public GenerationResult {
    Objects.requireNonNull(promptId, "promptId");
    Objects.requireNonNull(workflow, "workflow");
    images = List.copyOf(images);
    parameters = Map.copyOf(parameters);
    Objects.requireNonNull(queued, "queued");
    Objects.requireNonNull(executed, "executed");
  }
}
