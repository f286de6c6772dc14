package io.github.comfylite.workflow;

import java.util.Objects;

/**
 * An image a caller passes for an {@link ParameterType#IMAGE IMAGE} parameter. The client uploads it to ComfyUI's
 * {@code /upload/image} before submitting the prompt (see {@link BuiltWorkflow#pendingUploads()}).
 *
 * <p>The byte array is not copied, to keep large images from being held twice; do not modify it after passing it.
 *
 * @param fileName the name to upload under, without directories (ComfyUI may store it under another name if a
 *     different file of that name exists, so always use the name it returns)
 * @param bytes the image file's bytes
 */
public record ImageInput(String fileName, byte[] bytes) {
  /**
   * Checks the name and the bytes.
   *
   * @param fileName the name to upload under, without directories (ComfyUI may store it under another name if a
   *     different file of that name exists, so always use the name it returns)
   * @param bytes the image file's bytes
   * @throws IllegalArgumentException if the name is blank or contains a path separator, or the image is empty
   */
  public ImageInput {
    Objects.requireNonNull(fileName, "fileName");
    Objects.requireNonNull(bytes, "bytes");
    if (fileName.isBlank() || fileName.indexOf('/') >= 0 || fileName.indexOf('\\') >= 0
        || fileName.equals(".") || fileName.equals("..")) {
      throw new IllegalArgumentException(
          "image fileName must be a plain file name without '/' or '\\', got '" + fileName + "'");
    }
    if (bytes.length == 0) {
      throw new IllegalArgumentException("image '" + fileName + "' is empty");
    }
  }

  /** Describes the image by name and size, never by content. */
  @Override
  public String toString() {
    return "ImageInput[fileName=" + fileName + ", " + bytes.length + " bytes]";
  }
}
