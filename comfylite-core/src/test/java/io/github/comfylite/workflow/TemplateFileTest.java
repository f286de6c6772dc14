package io.github.comfylite.workflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.github.comfylite.errors.WorkflowException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading templates: only ComfyUI API format, with clear errors for anything else. */
class TemplateFileTest {
  @TempDir Path root;

  private WorkflowException problem(String template) {
    WorkflowManager manager = new Workspace(root).add("w", template, "mapping-no-parameters.yaml").manager();
    WorkflowException e = catchThrowableOfType(WorkflowException.class, () -> manager.workflow("w"));
    assertThat(e).as(template).isNotNull();
    assertThat(e.file()).contains(root.resolve("templates/w.json").toAbsolutePath());
    assertThat(e.getMessage()).contains("w.json");
    return e;
  }

  @Test
  void uiFormatWorkflowIsRejectedWithExportApiAdvice() {
    WorkflowException e = problem("template-ui-format.json");

    assertThat(e.getMessage()).contains("UI-format workflow", "\"nodes\"", "\"links\"", "Export (API)");
  }

  @Test
  void malformedJsonNamesTheLine() {
    assertThat(problem("template-malformed.json").getMessage()).contains("is not valid JSON", "line ");
  }

  @Test
  void nodeWithoutClassTypeIsRejected() {
    WorkflowException e = problem("template-node-without-class-type.json");

    assertThat(e.key()).contains("\"2\".class_type");
    assertThat(e.getMessage()).contains("\"2\".class_type", "string class_type", "Export (API)");
  }

  @Test
  void nodeWhoseInputsAreNotAnObjectIsRejected() {
    assertThat(problem("template-inputs-not-object.json").getMessage())
        .contains("\"1\".inputs", "needs an inputs object, got a list");
  }

  @Test
  void topLevelArrayIsRejected() {
    assertThat(problem("template-not-object.json").getMessage()).contains("must be a JSON object of nodes");
  }

  @Test
  void duplicateNodeIdIsRejected() {
    assertThat(problem("template-duplicate-node.json").getMessage()).contains("Duplicate field '1'");
  }

  @Test
  void emptyTemplateIsRejected() {
    WorkflowManager manager = new Workspace(root).template("w", "").config("w", "node_mappings: {}\n").manager();

    assertThat(catchThrowableOfType(WorkflowException.class, () -> manager.workflow("w")))
        .hasMessageContaining("is empty");
  }

  @Test
  void nonNumericNodeIdsAreKept() {
    WorkflowManager manager = new Workspace(root)
        .template("w", Workspace.fixture("test-workflow.json").replace("\"9\"", "\"54:73\""))
        .config("w", "node_mappings: {}\n").manager();

    assertThat(manager.workflow("w").outputs()).containsExactly(new OutputNode("54:73", "SaveImage", OutputKind.FILE));
  }
}
