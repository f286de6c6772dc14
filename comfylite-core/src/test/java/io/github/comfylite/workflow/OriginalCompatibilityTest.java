package io.github.comfylite.workflow;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The original program's files, read unchanged from {@code ../shared/seed}, build as its guide describes. */
class OriginalCompatibilityTest {
  private static final Path SEED = Path.of(System.getProperty("comfylite.root", ".."))
      .resolve("../shared/seed").normalize();
  private final WorkflowManager manager = WorkflowManager.create(
      SEED.resolve("original-templates"), SEED.resolve("original-configs"));

  @Test
  void originalFilesLoadUnchanged() {
    assertThat(manager.problems()).isEmpty();
    assertThat(manager.names()).containsExactly("flux", "starter");
  }

  @Test
  void fluxBuildsIntoTheNodesItsMappingNames() {
    BuiltWorkflow built = manager.build("flux", Map.of("prompt", "a cat on a rocket", "seed", 42,
        "width", 640, "height", 480, "imageCount", 3));

    JsonNode graph = built.graph();
    assertThat(graph.get("6").get("inputs").get("text").textValue()).isEqualTo("a cat on a rocket");
    assertThat(graph.get("31").get("inputs").get("seed").longValue()).isEqualTo(42);
    assertThat(graph.get("27").get("inputs").get("width").intValue()).isEqualTo(640);
    assertThat(graph.get("27").get("inputs").get("height").intValue()).isEqualTo(480);
    assertThat(graph.get("27").get("inputs").get("batch_size").intValue()).isEqualTo(3);
    assertThat(built.outputs()).containsExactly(new OutputNode("40", "SaveImageWebsocket", OutputKind.WEBSOCKET));
  }

  @Test
  void starterBuildsIntoTheNodesItsMappingNames() {
    BuiltWorkflow built = manager.build("starter", Map.of("prompt", "Men and women dancing", "seed", 7,
        "width", 512, "height", 768, "imageCount", 1));

    JsonNode graph = built.graph();
    assertThat(graph.get("6").get("inputs").get("text").textValue()).isEqualTo("Men and women dancing");
    assertThat(graph.get("3").get("inputs").get("seed").longValue()).isEqualTo(7);
    assertThat(graph.get("5").get("inputs").get("batch_size").intValue()).isEqualTo(1);
    assertThat(built.outputs()).containsExactly(new OutputNode("10", "SaveImageWebsocket", OutputKind.WEBSOCKET));
  }

  @Test
  void widthIsNotSetFromHeight() {
    // The original wrote the height into width; here each value goes to its own input.
    BuiltWorkflow built = manager.build("starter", Map.of("width", 320, "height", 640));

    assertThat(built.graph().get("5").get("inputs").get("width").intValue()).isEqualTo(320);
    assertThat(built.graph().get("5").get("inputs").get("height").intValue()).isEqualTo(640);
  }

  @Test
  void untypedParametersTakeTheTypeOfTheTemplateValue() {
    Workflow starter = manager.workflow("starter");

    assertThat(starter.parameter("prompt").orElseThrow().type()).isEqualTo(ParameterType.STRING);
    assertThat(starter.parameter("width").orElseThrow().type()).isEqualTo(ParameterType.INTEGER);
    assertThat(starter.parameter("width").orElseThrow().defaultValue()).contains(512L);
    assertThat(starter.parameter("imageCount").orElseThrow().targets())
        .containsExactly(new NodeTarget("5", "batch_size"));
  }

  @Test
  void seedWithoutDefaultIsRandomAndSeedsUpToTwoToTheSixtyFourAreAccepted() {
    ParameterSpec seed = manager.workflow("starter").parameter("seed").orElseThrow();
    assertThat(seed.randomWhenAbsent()).isTrue();

    long random = manager.build("starter", Map.of()).graph().get("3").get("inputs").get("seed").longValue();
    assertThat(random).isBetween(0L, (1L << 53) - 1);

    BigInteger largest = BigInteger.TWO.pow(64).subtract(BigInteger.ONE);
    BuiltWorkflow built = manager.build("starter", Map.of("seed", largest));
    assertThat(built.graph().get("3").get("inputs").get("seed").bigIntegerValue()).isEqualTo(largest);
    assertThat(built.parameters()).containsEntry("seed", largest);
  }
}
