package io.github.comfylite.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

/**
 * The shared Jackson mappers. Not API.
 *
 * <p>{@link #JSON} is deliberately lenient, as ComfyUI's Python {@code json.dumps} output requires (protocol §2):
 * unknown properties are ignored (new keys appear often), {@code NaN}/{@code Infinity} are accepted (custom nodes emit
 * them), and integers are read into the smallest node that holds them, so {@code 18446744073709551615} becomes a
 * {@code BigIntegerNode} instead of overflowing. Whole numbers written as {@code 8.0} stay doubles; read them with
 * {@code JsonNode.asInt()}/{@code asDouble()}, which accept either form. {@code BigDecimal} values are written in plain
 * notation, so a number never turns into {@code 1E+2} on the wire.
 *
 * <p>{@link #YAML} parses our own workflow mapping files into trees; the strictness (unknown keys are errors) lives in
 * the code that reads those trees, where the message can name the file and offer a "did you mean".
 *
 * <p>The mappers are immutable once built and safe to share between threads; never reconfigure them.
 */
public final class Json {
  /** Lenient mapper for ComfyUI's HTTP bodies and WebSocket messages, and for workflow templates. */
  public static final JsonMapper JSON = JsonMapper.builder()
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      // Ints stay IntNode/LongNode and grow to BigIntegerNode only when needed; never truncated.
      .disable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS)
      .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
      .enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN)
      // Emoji and other characters beyond U+FFFF go out as their UTF-8 bytes, not as escaped surrogate pairs.
      .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8)
      .build();

  /** Mapper for workflow mapping files ({@code configs/NAME.yaml}). */
  public static final YAMLMapper YAML = YAMLMapper.builder()
      .enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN)
      .build();

  private Json() {}
}
