package io.github.comfylite.workflow;

import java.util.List;
import java.util.Objects;

/**
 * An image a built workflow still needs on the ComfyUI server: upload {@link #image()} to {@code /upload/image}, then
 * call {@link BuiltWorkflow#applyUpload(ImageUpload, String)} with the name ComfyUI returned.
 *
 * @param parameter the IMAGE parameter the image was passed for
 * @param image the image to upload
 * @param targets where the stored name goes (usually a LoadImage node's {@code image} input)
 */
public record ImageUpload(String parameter, ImageInput image, List<NodeTarget> targets) {
  /**
   * Checks every part and copies the target list.
   *
   * @param parameter the IMAGE parameter the image was passed for
   * @param image the image to upload
   * @param targets where the stored name goes (usually a LoadImage node's {@code image} input)
   */
  public ImageUpload {
    Objects.requireNonNull(parameter, "parameter");
    Objects.requireNonNull(image, "image");
    targets = List.copyOf(targets);
  }
}
