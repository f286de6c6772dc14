package io.github.comfylite.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** {@code GET /openapi.json} and {@code GET /openapi.yaml}: the API's OpenAPI document, read once from the jar. */
final class OpenApiHandler {
  static final String RESOURCE = "openapi.yaml";
  final byte[] yaml;
  final byte[] json;

  private OpenApiHandler(byte[] yaml, byte[] json) {
    this.yaml = yaml;
    this.json = json;
  }

  static OpenApiHandler load() {
    try (InputStream in = OpenApiHandler.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("the server jar lacks its OpenAPI document " + RESOURCE);
      }
      byte[] yaml = in.readAllBytes();
      JsonNode tree = new YAMLMapper().readTree(yaml);
      return new OpenApiHandler(yaml, ServerJson.MAPPER.writeValueAsBytes(tree));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the OpenAPI document", e);
    }
  }

  Route.Handler json() {
    return request -> Response.bytes(200, "application/json", json);
  }

  Route.Handler yaml() {
    return request -> Response.bytes(200, "application/yaml", yaml);
  }
}
