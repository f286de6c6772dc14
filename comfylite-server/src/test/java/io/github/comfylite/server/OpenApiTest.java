package io.github.comfylite.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The OpenAPI document and the server's routes agree, route by route and method by method. */
class OpenApiTest {
  private static final Set<String> HTTP_METHODS = Set.of("get", "put", "post", "delete", "options", "head", "patch");

  @Test
  void everyRouteIsDocumentedWithItsMethodsAndNothingElse() throws Exception {
    try (Harness h = Harness.start(Map.of())) {
      Map<String, Set<String>> served = new TreeMap<>();
      for (Route route : h.server.routes()) {
        Set<String> methods = new TreeSet<>();
        route.methods().forEach(m -> methods.add(m.toLowerCase(Locale.ROOT)));
        served.put(route.pattern(), methods);
      }

      JsonNode document = h.get("/openapi.json").json();
      Map<String, Set<String>> documented = new TreeMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = document.get("paths").fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> path = it.next();
        Set<String> methods = new TreeSet<>();
        path.getValue().fieldNames().forEachRemaining(name -> {
          if (HTTP_METHODS.contains(name)) {
            methods.add(name);
          }
        });
        documented.put(path.getKey(), methods);
      }

      assertThat(documented).isEqualTo(served);
    }
  }

  @Test
  void servesTheSameDocumentAsJsonAndYaml() throws Exception {
    try (Harness h = Harness.start(Map.of())) {
      Harness.Reply yaml = h.get("/openapi.yaml");
      assertThat(yaml.status()).isEqualTo(200);
      assertThat(yaml.headers().firstValue("Content-Type")).contains("application/yaml");
      JsonNode fromYaml = new YAMLMapper().readTree(yaml.body());
      assertThat(fromYaml).isEqualTo(h.get("/openapi.json").json());
      assertThat(fromYaml.get("openapi").asText()).startsWith("3.1");
    }
  }

  @Test
  void documentsEveryStatusTheRoutesAnswerWith() throws Exception {
    try (Harness h = Harness.start(Map.of())) {
      JsonNode generate = h.get("/openapi.json").json().get("paths").get("/generate").get("post").get("responses");
      assertThat(generate.fieldNames()).toIterable()
          .contains("200", "400", "401", "413", "415", "429", "503");
    }
  }
}
