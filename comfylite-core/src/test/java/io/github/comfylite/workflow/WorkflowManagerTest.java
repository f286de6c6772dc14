package io.github.comfylite.workflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.github.comfylite.errors.WorkflowException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Listing, choosing and reloading workflows, and keeping names inside their directories. */
class WorkflowManagerTest {
  @TempDir Path root;

  private Workspace workspace() {
    return new Workspace(root).add("alpha", "test-workflow.json", "mapping-valid.yaml")
        .add("beta", "test-workflow.json", "mapping-no-parameters.yaml");
  }

  private static WorkflowException thrown(Callable<?> call) {
    return catchThrowableOfType(WorkflowException.class, call::call);
  }

  @Test
  void listsWorkflowsSortedByName() {
    WorkflowManager manager = workspace().add("aardvark", "test-workflow.json", "mapping-no-parameters.yaml")
        .manager();

    assertThat(manager.names()).containsExactly("aardvark", "alpha", "beta");
    assertThat(manager.problems()).isEmpty();
  }

  @Test
  void saysWhetherAWorkflowExists() {
    WorkflowManager manager = workspace().add("broken", "test-workflow.json", "mapping-unknown-key.yaml").manager();

    assertThat(manager.exists("alpha")).isTrue();
    assertThat(manager.exists("gamma")).isFalse();
    assertThat(manager.exists("broken")).isFalse();
    assertThat(manager.exists("../templates/alpha")).isFalse();
    assertThat(manager.exists(null)).isFalse();
  }

  @Test
  void choosesTheWorkflowPerRequest() {
    WorkflowManager manager = workspace().manager();

    assertThat(manager.build("alpha", Map.of("prompt", "x")).workflow()).isEqualTo("alpha");
    assertThat(manager.build("beta", Map.of()).workflow()).isEqualTo("beta");
    assertThat(manager.workflow("beta").parameters()).isEmpty();
  }

  @Test
  void unknownWorkflowSuggestsTheClosestName() {
    WorkflowException e = thrown(() -> workspace().manager().workflow("alpah"));

    assertThat(e).hasMessage("unknown workflow 'alpah' (available: alpha, beta); did you mean 'alpha'?");
    assertThat(e.workflow()).contains("alpah");
  }

  @Test
  void namesThatCouldLeaveTheDirectoryAreRejected() {
    WorkflowManager manager = workspace().manager();
    for (String name : List.of("../alpha", "..", "a/b", "a\\b", "/etc/passwd", ".hidden", "alpha..json", "",
        "al pha", "C:alpha", "alpha\u0000", "x".repeat(129))) {
      WorkflowException e = thrown(() -> manager.workflow(name));
      assertThat(e).as("name %s", name).isNotNull();
      assertThat(e.getMessage()).as(name).contains("is not allowed", "letters, digits, '.', '_' and '-'", "'..'");
      assertThat(thrown(() -> manager.build(name, Map.of()))).as(name).isNotNull();
    }
  }

  @Test
  void allowedNameCharactersWork() {
    WorkflowManager manager = new Workspace(root)
        .add("SDXL_v1.0-turbo", "test-workflow.json", "mapping-no-parameters.yaml").manager();

    assertThat(manager.names()).containsExactly("SDXL_v1.0-turbo");
    assertThat(manager.workflow("SDXL_v1.0-turbo").name()).isEqualTo("SDXL_v1.0-turbo");
  }

  @Test
  void templateWithoutConfigIsAProblem() throws IOException {
    Workspace workspace = workspace();
    Files.copy(workspace.templates.resolve("alpha.json"), workspace.templates.resolve("lonely.json"));
    WorkflowManager manager = workspace.manager();

    WorkflowException e = manager.problems().get("lonely");
    assertThat(e.getMessage()).contains("lonely.yaml: does not exist, but", "lonely.json does; a workflow needs both");
    assertThat(thrown(() -> manager.workflow("lonely"))).hasMessage(e.getMessage());
    assertThat(manager.names()).containsExactly("alpha", "beta");
  }

  @Test
  void configWithoutTemplateIsAProblem() {
    WorkflowManager manager = workspace().config("orphan", "node_mappings: {}\n").manager();

    assertThat(manager.problems().get("orphan").getMessage())
        .contains("orphan.json: does not exist, but", "orphan.yaml does", "Export (API)");
  }

  @Test
  void configWithTheYmlExtensionGetsAHint() throws IOException {
    Workspace workspace = workspace();
    Files.move(workspace.configs.resolve("beta.yaml"), workspace.configs.resolve("beta.yml"));

    assertThat(workspace.manager().problems().get("beta").getMessage()).contains("found beta.yml: rename it to beta.yaml");
  }

  @Test
  void fileWithAnUnusableNameIsReported() {
    WorkflowManager manager = workspace().add("my workflow", "test-workflow.json", "mapping-no-parameters.yaml")
        .manager();

    assertThat(manager.names()).containsExactly("alpha", "beta");
    assertThat(manager.problems().get("my workflow").getMessage()).contains("my workflow.json", "rename the file");
  }

  @Test
  void aBrokenWorkflowDoesNotAffectTheOthers() {
    WorkflowManager manager = workspace().add("broken", "template-ui-format.json", "mapping-no-parameters.yaml")
        .add("worse", "test-workflow.json", "mapping-malformed.yaml").manager();

    assertThat(manager.names()).containsExactly("alpha", "beta");
    assertThat(manager.problems()).containsOnlyKeys("broken", "worse");
    assertThat(manager.build("alpha", Map.of("prompt", "still works")).graph().get("6").get("inputs").get("text")
        .textValue()).isEqualTo("still works");
    assertThat(thrown(() -> manager.workflow("broken"))).hasMessageContaining("Export (API)");
  }

  @Test
  void picksUpAddedChangedAndRemovedFilesWithoutARestart() throws IOException {
    Workspace workspace = workspace();
    WorkflowManager manager = workspace.manager();
    assertThat(manager.names()).containsExactly("alpha", "beta");

    workspace.add("gamma", "test-workflow.json", "mapping-no-parameters.yaml");
    assertThat(manager.names()).containsExactly("alpha", "beta", "gamma");
    assertThat(manager.exists("gamma")).isTrue();

    workspace.config("gamma", "node_mappings:\n  steps_for_gamma:\n    node_id: \"3\"\n    property: steps\n");
    assertThat(manager.workflow("gamma").parameter("steps_for_gamma")).isPresent();

    workspace.config("gamma", "node_mappings:\n  steps:\n    node_id: \"3\"\n    property: stepz\n");
    assertThat(manager.exists("gamma")).isFalse();
    assertThat(manager.problems().get("gamma").getMessage()).contains("did you mean 'steps'?");

    Files.delete(workspace.templates.resolve("gamma.json"));
    Files.delete(workspace.configs.resolve("gamma.yaml"));
    assertThat(manager.names()).containsExactly("alpha", "beta");
    assertThat(manager.problems()).isEmpty();
    assertThat(thrown(() -> manager.workflow("gamma"))).hasMessageStartingWith("unknown workflow 'gamma'");
  }

  @Test
  void filesAreTrustedForTheReloadIntervalAndReloadRereadsThem() {
    Workspace workspace = workspace();
    WorkflowManager manager = WorkflowManager.builder(workspace.templates, workspace.configs)
        .reloadInterval(Duration.ofHours(1)).build();
    Workflow before = manager.workflow("beta");

    workspace.config("beta", "node_mappings:\n  steps:\n    node_id: \"3\"\n    property: steps\n");
    assertThat(manager.workflow("beta")).isSameAs(before);

    manager.reload();
    assertThat(manager.workflow("beta").parameter("steps")).isPresent();
    assertThat(before.parameters()).isEmpty();
  }

  @Test
  void unchangedFilesAreNotParsedAgain() {
    WorkflowManager manager = workspace().manager();

    assertThat(manager.workflow("alpha")).isSameAs(manager.workflow("alpha"));
  }

  @Test
  void directoriesMustExist() {
    assertThatThrownBy(() -> WorkflowManager.create(root.resolve("nope"), root))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("templatesDirectory")
        .hasMessageContaining("nope");
    assertThatThrownBy(() -> WorkflowManager.create(root, root.resolve("nope")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("configsDirectory");
    assertThatThrownBy(() -> WorkflowManager.builder(root, root).reloadInterval(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reloadInterval");
  }

  @Test
  void concurrentBuildsDoNotSeeEachOthersValues() throws Exception {
    WorkflowManager manager = WorkflowManager.create(workspace().templates, root.resolve("configs"));
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int task = 0; task < 8; task++) {
        int id = task;
        results.add(pool.submit(() -> {
          for (int i = 0; i < 200; i++) {
            String prompt = "task " + id + " build " + i;
            BuiltWorkflow built = manager.build("alpha", Map.of("prompt", prompt, "width", 64 + id));
            if (!built.graph().get("6").get("inputs").get("text").textValue().equals(prompt)
                || built.graph().get("5").get("inputs").get("width").intValue() != 64 + id) {
              return false;
            }
          }
          return true;
        }));
      }
      for (Future<Boolean> result : results) {
        assertThat(result.get(30, TimeUnit.SECONDS)).isTrue();
      }
      assertThat(manager.workflow("alpha").template().get("6").get("inputs").get("text").textValue())
          .isEqualTo("a photo of a red fox in a snowy forest, highly detailed");
    } finally {
      pool.shutdownNow();
    }
  }
}
