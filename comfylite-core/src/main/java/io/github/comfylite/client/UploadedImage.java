package io.github.comfylite.client;

import java.util.Objects;

/**
 * Where {@code POST /upload/image} stored a file (protocol §12.2).
 *
 * @param name the stored name; <strong>may differ from the name sent</strong>: a different file of the same name is
 *     renamed {@code name (1).ext}
 * @param subfolder the folder inside the type's directory, possibly empty
 * @param type {@code input}, {@code temp} or {@code output}
 */
public record UploadedImage(String name, String subfolder, String type) {
  /**
   * Checks components.
   *
   * @param name the stored name; <strong>may differ from the name sent</strong>: a different file of the same name is
   *     renamed {@code name (1).ext}
   * @param subfolder the folder inside the type's directory, possibly empty
   * @param type {@code input}, {@code temp} or {@code output}
   */
  public UploadedImage {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(subfolder, "subfolder");
    Objects.requireNonNull(type, "type");
  }

  /**
   * The value to put in a LoadImage node's {@code image} input: {@code name}, or {@code subfolder/name}, with
   * {@code " [temp]"} or {@code " [output]"} appended for those types.
   *
   * @return the LoadImage value
   */
  public String loadImageValue() {
    String value = subfolder.isEmpty() ? name : subfolder + "/" + name;
    return "input".equals(type) || type.isEmpty() ? value : value + " [" + type + "]";
  }
}
