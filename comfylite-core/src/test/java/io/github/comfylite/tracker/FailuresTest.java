package io.github.comfylite.tracker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.comfylite.internal.Json;
import io.github.comfylite.result.FailureKind;
import io.github.comfylite.result.Outcome;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

class FailuresTest {

  private static JsonNode fixture(String name) throws Exception {
    Path shared = Path.of(System.getProperty("comfylite.root")).resolve("../shared/comfyui-fixtures");
    return Json.JSON.readTree(Files.readAllBytes(shared.resolve(name)));
  }

  @Test
  void validationMessageNamesEachNodeItsTypeAndComfyUiReason() throws Exception {
    JsonNode body = fixture("post-prompt-response-400-validation.json");

    Outcome.Failed failed = Failures.validation("p1", "starter", body.path("error").path("message").asText(),
        body.path("error").path("details").asText(), body.path("node_errors"));

    assertThat(failed.kind()).isEqualTo(FailureKind.VALIDATION);
    assertThat(failed.message())
        .startsWith("ComfyUI rejected the prompt: Prompt outputs failed validation: ")
        .contains("node 3 (KSampler): ")
        .contains("Value not in list: sampler_name: 'euler_x' not in")
        .contains("(CheckpointLoaderSimple)");
    assertThat(failed.details()).isEqualTo(body.path("node_errors"));
  }

  @Test
  void validationWithoutNodeErrorsKeepsComfyUiMessageAndDetails() {
    Outcome.Failed failed = Failures.validation("p1", "w", "Cannot execute because node FooBarNode does not exist.",
        "Node ID '#12'", Json.JSON.createObjectNode());

    assertThat(failed.message()).isEqualTo(
        "ComfyUI rejected the prompt: Cannot execute because node FooBarNode does not exist. (Node ID '#12')");
  }

  @Test
  void executionFailureCarriesNodeTypeAndMessageWithoutTrailingNewline() {
    Outcome.Failed failed = Failures.execution("p1", "smoke", "1", "EmptyImage", "RuntimeError",
        "not enough memory: you tried to allocate 1 bytes.\n", Json.JSON.createObjectNode());

    assertThat(failed.kind()).isEqualTo(FailureKind.EXECUTION);
    assertThat(failed.nodeId()).contains("1");
    assertThat(failed.nodeType()).contains("EmptyImage");
    assertThat(failed.message())
        .isEqualTo("node 1 (EmptyImage) failed with RuntimeError: not enough memory: you tried to allocate 1 bytes.");
  }
}
