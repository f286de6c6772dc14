package io.github.comfylite.internal;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * The shared Jackson mapper for everything ComfyUI sends us. Not API.
 *
 * <p>{@link #JSON} is deliberately lenient, as ComfyUI's Python {@code json.dumps} output requires (protocol §2):
 * unknown properties are ignored (new keys appear often), {@code NaN}/{@code Infinity} are accepted (custom nodes emit
 * them), and integers are read into the smallest node that holds them, so {@code 18446744073709551615} becomes a
 * {@code BigIntegerNode} instead of overflowing. Whole numbers written as {@code 8.0} stay doubles; read them with
 * {@code JsonNode.asInt()}/{@code asDouble()}, which accept either form.
 *
 * <p>The mapper is immutable once built and safe to share between threads.
 */
public final class Json {
  /** Lenient mapper for ComfyUI's HTTP bodies and WebSocket messages. */
  public static final JsonMapper JSON = JsonMapper.builder()
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      // Ints stay IntNode/LongNode and grow to BigIntegerNode only when needed; never truncated.
      .disable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS)
      .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
      .build();

  private Json() {}
}
