package io.github.comfylite.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

/**
 * The shared Jackson mappers. Both are configured once here and are thread-safe; never reconfigure them.
 *
 * <p>{@link #JSON} is lenient, because ComfyUI adds fields over time and may send {@code NaN} or {@code Infinity}
 * (protocol §16.13): unknown properties are ignored and non-numeric numbers are accepted. Integers too large for a
 * {@code long} (seeds go up to 2^64−1) are read as {@link java.math.BigInteger} by Jackson itself. {@code BigDecimal}
 * values are written in plain notation so a number never turns into {@code 1E+2} on the wire.
 *
 * <p>{@link #YAML} parses our own mapping files into trees; the strictness (unknown keys are errors) lives in the code
 * that reads those trees, where the message can name the file and offer a "did you mean".
 */
public final class Json {
  /** The JSON mapper for ComfyUI traffic and workflow templates. */
  public static final JsonMapper JSON = JsonMapper.builder()
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
      .enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN)
      .build();

  /** The YAML mapper for workflow mapping files. */
  public static final YAMLMapper YAML = YAMLMapper.builder()
      .enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN)
      .build();

  private Json() {}
}
