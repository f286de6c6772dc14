package io.github.comfylite.workflow;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.comfylite.internal.Json;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ShippedWorkflowsTest {
  private static final Path ROOT = Path.of(System.getProperty("comfylite.root", ".."));
  private final WorkflowManager manager =
      WorkflowManager.create(ROOT.resolve("templates"), ROOT.resolve("configs"));

  @Test
  void everyShippedWorkflowLoadsWithoutProblems() {
    assertThat(manager.problems()).isEmpty();
    assertThat(manager.names()).contains("starter", "starter_ws", "flux", "smoke", "smoke_ws");
  }

  @Test
  void everyShippedWorkflowBuildsWithTheOriginalParameterNames() throws IOException {
    for (String name : manager.names()) {
      Workflow workflow = manager.workflow(name);
      Map<String, Object> params = new HashMap<>();
      for (String original : new String[] {"prompt", "width", "height", "imageCount"}) {
        workflow.parameter(original).ifPresent(spec -> params.put(original,
            spec.type() == ParameterType.STRING ? "a lighthouse at dusk" : 448));
      }
      params.replace("imageCount", 2);
      BuiltWorkflow built = manager.build(name, params);

      JsonNode body = Json.JSON.readTree(built.toPromptRequest("client-1", "prompt-1"));
      assertThat(body.get("prompt")).as(name).isEqualTo(built.graph());
      assertThat(built.outputs()).as(name).isNotEmpty();
      assertThat(built.producesImages()).as(name).isTrue();
      for (ParameterSpec spec : workflow.parameters()) {
        if (params.containsKey(spec.name())) {
          for (NodeTarget target : spec.targets()) {
            assertThat(built.graph().get(target.nodeId()).get("inputs").get(target.input()).asText())
                .as(name + " " + spec.name()).isEqualTo(params.get(spec.name()).toString());
          }
        }
      }
    }
  }

  @Test
  void everyShippedWorkflowKeepsTheOriginalRequestFields() {
    for (String name : new String[] {"starter", "starter_ws", "flux"}) {
      Workflow workflow = manager.workflow(name);
      assertThat(workflow.parameters()).extracting(ParameterSpec::name)
          .as(name).contains("prompt", "seed", "width", "height", "imageCount");
      assertThat(workflow.parameter("seed").orElseThrow().randomWhenAbsent()).as(name).isTrue();
      assertThat(workflow.parameter("prompt").orElseThrow().required()).as(name).isTrue();
    }
  }

  @Test
  void starterWritesFilesAndTheWebsocketVariantsDoNot() {
    assertThat(manager.workflow("starter").outputs())
        .containsExactly(new OutputNode("9", "SaveImage", OutputKind.FILE));
    assertThat(manager.workflow("starter_ws").outputs())
        .containsExactly(new OutputNode("10", "SaveImageWebsocket", OutputKind.WEBSOCKET));
    assertThat(manager.workflow("flux").outputs())
        .containsExactly(new OutputNode("40", "SaveImageWebsocket", OutputKind.WEBSOCKET));
    assertThat(manager.workflow("smoke").outputs())
        .containsExactly(new OutputNode("2", "SaveImage", OutputKind.FILE));
    assertThat(manager.workflow("smoke_ws").outputs())
        .containsExactly(new OutputNode("save_ws", "SaveImageWebsocket", OutputKind.WEBSOCKET));
  }

  @Test
  void smokeNeedsNoModelFiles() {
    Workflow smoke = manager.workflow("smoke");
    assertThat(smoke.classTypes()).containsExactly("EmptyImage", "SaveImage");
    assertThat(smoke.parameters()).extracting(ParameterSpec::name)
        .containsExactly("width", "height", "imageCount", "color");

    BuiltWorkflow built = manager.build("smoke", Map.of("width", 64, "height", 32, "imageCount", 3,
        "color", 0xFF0000));

    JsonNode inputs = built.graph().get("1").get("inputs");
    assertThat(inputs.get("width").intValue()).isEqualTo(64);
    assertThat(inputs.get("height").intValue()).isEqualTo(32);
    assertThat(inputs.get("batch_size").intValue()).isEqualTo(3);
    assertThat(inputs.get("color").intValue()).isEqualTo(16711680);
  }

  @Test
  void fluxTemplateIsTheOriginalsUnchanged() throws IOException {
    JsonNode original = Json.JSON.readTree(ROOT.resolve("../shared/seed/original-templates/flux.json").toFile());
    assertThat(manager.workflow("flux").template()).isEqualTo(original);
  }
}
