package io.github.comfylite.server;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * The server's JSON mapper. Strict, unlike the lenient core mapper for ComfyUI's bodies: clients get a 400 for
 * duplicate keys, trailing data, NaN or comments instead of a guess.
 */
final class ServerJson {
  static final JsonMapper MAPPER = JsonMapper.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      // Error messages may quote the body; the body may be a prompt, which we never echo at length.
      .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
      .disable(JsonParser.Feature.AUTO_CLOSE_SOURCE)
      .build();

  private ServerJson() {}
}
