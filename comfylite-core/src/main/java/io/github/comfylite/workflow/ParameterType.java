package io.github.comfylite.workflow;

/** The type of a workflow parameter, which decides which values a caller may pass for it. */
public enum ParameterType {
  /** Text, such as a prompt or a checkpoint name. Accepts {@link String} only. */
  STRING,
  /**
   * A whole number, up to 2^64−1 for seeds. Accepts {@link Integer}, {@link Long}, {@link java.math.BigInteger}, and
   * {@link Double}/{@link java.math.BigDecimal} values without a fractional part; never strings.
   */
  INTEGER,
  /** Any finite number, such as a CFG scale. Accepts any {@link Number}; never strings. */
  NUMBER,
  /** A JSON boolean. Accepts {@link Boolean} only (ComfyUI reads the string {@code "false"} as true). */
  BOOLEAN,
  /**
   * An input image: an {@link ImageInput} the client uploads to ComfyUI before submitting, or a {@link String} naming a
   * file already in ComfyUI's input folder.
   */
  IMAGE;

  /** The name used in mapping files and messages, such as {@code integer}. */
  String yamlName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
