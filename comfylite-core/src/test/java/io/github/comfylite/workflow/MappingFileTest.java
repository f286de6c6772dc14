package io.github.comfylite.workflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.github.comfylite.errors.WorkflowException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading mapping files: the extended format, and a clear error for every kind of mistake. */
class MappingFileTest {
  @TempDir Path root;

  private Workflow load(String config) {
    return new Workspace(root).add("w", "test-workflow.json", config).manager().workflow("w");
  }

  private WorkflowException problem(String config) {
    return problem("test-workflow.json", config);
  }

  private WorkflowException problem(String template, String config) {
    WorkflowManager manager = new Workspace(root).add("w", template, config).manager();
    WorkflowException e = catchThrowableOfType(WorkflowException.class, () -> manager.workflow("w"));
    assertThat(e).as("loading %s with %s", template, config).isNotNull();
    assertThat(manager.problems()).containsKey("w");
    assertThat(manager.names()).doesNotContain("w");
    assertThat(e.workflow()).contains("w");
    return e;
  }

  @Test
  void documentedExampleLoadsWithEveryExtension() {
    Workflow workflow = load("mapping-valid.yaml");

    assertThat(workflow.description()).contains("SD1.5 text to image with a refiner pass and an optional input image");
    assertThat(workflow.parameters()).extracting(ParameterSpec::name).containsExactly("prompt", "negative_prompt",
        "seed", "width", "height", "imageCount", "cfg", "sampler", "add_noise", "init_image", "refiner_steps");

    ParameterSpec prompt = workflow.parameter("prompt").orElseThrow();
    assertThat(prompt.type()).isEqualTo(ParameterType.STRING);
    assertThat(prompt.required()).isTrue();
    assertThat(prompt.defaultValue()).isEmpty();
    assertThat(prompt.description()).contains("What the image should show");

    ParameterSpec seed = workflow.parameter("seed").orElseThrow();
    assertThat(seed.targets()).containsExactly(new NodeTarget("3", "seed"), new NodeTarget("12", "seed"));
    assertThat(seed.randomWhenAbsent()).isTrue();
    assertThat(seed.max()).contains(new BigDecimal("18446744073709551615"));

    ParameterSpec width = workflow.parameter("width").orElseThrow();
    assertThat(width.targets()).containsExactly(new NodeTarget("5", "width"));
    assertThat(width.type()).isEqualTo(ParameterType.INTEGER);
    assertThat(width.defaultValue()).contains(512L);
    assertThat(width.min()).contains(BigDecimal.valueOf(64));
    assertThat(width.max()).contains(BigDecimal.valueOf(2048));

    assertThat(workflow.parameter("cfg").orElseThrow().type()).isEqualTo(ParameterType.NUMBER);
    assertThat(workflow.parameter("sampler").orElseThrow().allowedValues())
        .containsExactly("euler", "euler_ancestral", "dpmpp_2m");
    assertThat(workflow.parameter("add_noise").orElseThrow().type()).isEqualTo(ParameterType.BOOLEAN);
    ParameterSpec image = workflow.parameter("init_image").orElseThrow();
    assertThat(image.type()).isEqualTo(ParameterType.IMAGE);
    assertThat(image.targets()).containsExactly(new NodeTarget("10", "image"));
    assertThat(workflow.outputs()).containsExactly(new OutputNode("9", "SaveImage", OutputKind.FILE));
  }

  @Test
  void unquotedNodeIdsAndFractionalTemplateValuesWork() {
    Workflow workflow = new Workspace(root).template("w", Workspace.fixture("test-workflow.json"))
        .config("w", "node_mappings:\n  denoise:\n    node_id: 12\n    property: denoise\n").manager().workflow("w");

    ParameterSpec denoise = workflow.parameter("denoise").orElseThrow();
    assertThat(denoise.targets()).containsExactly(new NodeTarget("12", "denoise"));
    assertThat(denoise.type()).isEqualTo(ParameterType.NUMBER);
    assertThat(denoise.defaultValue()).contains(0.5);
  }

  @Test
  void parameterWithoutDefaultReportsTheTemplatesValueAsDefault() {
    Workflow workflow = load("mapping-valid.yaml");

    assertThat(workflow.parameter("height").orElseThrow().defaultValue()).contains(512L);
    assertThat(workflow.parameter("negative_prompt").orElseThrow().defaultValue())
        .contains("blurry, low quality, watermark");
    assertThat(workflow.parameter("init_image").orElseThrow().defaultValue()).isEmpty();
  }

  @Test
  void defaultRandomMakesAnyIntegerParameterRandom() {
    ParameterSpec noise = load("mapping-random-default.yaml").parameter("noise").orElseThrow();

    assertThat(noise.randomWhenAbsent()).isTrue();
    assertThat(noise.targets()).containsExactly(new NodeTarget("12", "seed"));
  }

  @Test
  void seedWithADefaultIsNotRandom() {
    ParameterSpec seed = load("mapping-fixed-seed.yaml").parameter("seed").orElseThrow();

    assertThat(seed.randomWhenAbsent()).isFalse();
    assertThat(seed.defaultValue()).contains(42L);
  }

  @Test
  void outputsCanBeDeclaredForNodesOfAnyClass() {
    assertThat(load("mapping-explicit-outputs.yaml").outputs())
        .containsExactly(new OutputNode("13", "CustomToggle", OutputKind.WEBSOCKET));
  }

  @Test
  void workflowWithoutParametersLoads() {
    Workflow workflow = load("mapping-no-parameters.yaml");

    assertThat(workflow.parameters()).isEmpty();
    assertThat(workflow.outputs()).containsExactly(new OutputNode("9", "SaveImage", OutputKind.FILE));
  }

  @Test
  void workflowMayDeclareThatItProducesNoImages() {
    Workflow workflow = new Workspace(root).add("w", "template-no-output.json", "mapping-produces-no-images.yaml")
        .manager().workflow("w");

    assertThat(workflow.producesImages()).isFalse();
    assertThat(workflow.outputs()).isEmpty();
  }

  @Test
  void templateWithoutOutputNodeMustSaySoInItsMapping() {
    WorkflowException e = problem("template-no-output.json", "mapping-no-parameters.yaml");

    assertThat(e.getMessage()).contains("w.json", "has no image output node", "SaveImage", "SaveImageWebsocket",
        "outputs:", "produces_images: false");
  }

  @Test
  void unknownParameterKeyIsAnErrorWithASuggestion() {
    WorkflowException e = problem("mapping-unknown-key.yaml");

    assertThat(e.file()).contains(root.resolve("configs/w.yaml").toAbsolutePath());
    assertThat(e.key()).contains("node_mappings.prompt.proprety");
    assertThat(e.getMessage()).contains("w.yaml", "node_mappings.prompt.proprety", "unknown key \"proprety\"",
        "did you mean 'property'?", "allowed here:", "node_title", "targets");
  }

  @Test
  void unknownTopLevelKeyIsAnErrorWithASuggestion() {
    WorkflowException e = problem("mapping-unknown-top-level-key.yaml");

    assertThat(e.getMessage()).contains("w.yaml", "node_mapping", "did you mean 'node_mappings'?");
  }

  @Test
  void mappingToAMissingNodeNamesTheNodesThatExist() {
    WorkflowException e = problem("mapping-unknown-node.yaml");

    assertThat(e.key()).contains("node_mappings.prompt.node_id");
    assertThat(e.getMessage()).contains("w.yaml", "node \"66\" does not exist in w.json", "3, 4, 5, 6, 7, 8, 9",
        "did you mean '6'?");
  }

  @Test
  void mappingToAMissingInputNamesTheInputsThatExist() {
    WorkflowException e = problem("mapping-unknown-input.yaml");

    assertThat(e.key()).contains("node_mappings.prompt.property");
    assertThat(e.getMessage()).contains("node \"6\" (CLIPTextEncode)", "has no input \"txt\"", "text, clip",
        "did you mean 'text'?");
  }

  @Test
  void mappingOntoALinkIsAnError() {
    WorkflowException e = problem("mapping-link-input.yaml");

    assertThat(e.getMessage()).contains("input \"clip\" of node \"6\"", "is a link from node 4", "cut the link");
  }

  @Test
  void unknownTitleNamesTheTitlesThatExist() {
    WorkflowException e = problem("mapping-unknown-title.yaml");

    assertThat(e.key()).contains("node_mappings.seed.node_title");
    assertThat(e.getMessage()).contains("no node in w.json has the title \"Refner\"", "\"Empty Latent Image\"",
        "did you mean 'Refiner'?");
  }

  @Test
  void ambiguousTitleNamesTheCandidates() {
    WorkflowException e = problem("mapping-ambiguous-title.yaml");

    assertThat(e.getMessage()).contains("\"CLIP Text Encode (Prompt)\" is ambiguous", "nodes \"6\", \"7\"",
        "use node_id");
  }

  @Test
  void unknownTypeListsTheTypes() {
    WorkflowException e = problem("mapping-unknown-type.yaml");

    assertThat(e.key()).contains("node_mappings.width.type");
    assertThat(e.getMessage()).contains("unknown type \"int\"", "string, integer, number, boolean, image",
        "did you mean 'integer'?");
  }

  @Test
  void typeThatDoesNotFitTheTemplateValueIsAnError() {
    WorkflowException e = problem("mapping-type-mismatch.yaml");

    assertThat(e.getMessage()).contains("type integer does not fit node \"6\" (CLIPTextEncode) input \"text\"",
        "holds the text");
  }

  @Test
  void defaultOutsideTheLimitsIsAnError() {
    WorkflowException e = problem("mapping-default-out-of-range.yaml");

    assertThat(e.key()).contains("node_mappings.width.default");
    assertThat(e.getMessage()).contains("must be between 64 and 2048, got 10000");
  }

  @Test
  void minAboveMaxIsAnError() {
    assertThat(problem("mapping-min-above-max.yaml").getMessage())
        .contains("node_mappings.width.max", "must not be below min (2048), got 64");
  }

  @Test
  void limitsOnATextParameterAreAnError() {
    assertThat(problem("mapping-limits-on-string.yaml").getMessage())
        .contains("node_mappings.prompt.max", "applies only to integer and number parameters");
  }

  @Test
  void allowedValuesMustHaveTheParametersType() {
    assertThat(problem("mapping-allowed-wrong-type.yaml").getMessage())
        .contains("node_mappings.steps.allowed[1]", "must be a whole number, got the text \"twenty\"");
  }

  @Test
  void malformedYamlNamesTheFileAndLine() {
    WorkflowException e = problem("mapping-malformed.yaml");

    assertThat(e.getMessage()).contains("w.yaml", "is not valid YAML", "line 4");
  }

  @Test
  void parameterWithNowhereToGoIsAnError() {
    assertThat(problem("mapping-no-target.yaml").getMessage())
        .contains("node_mappings.prompt", "add node_id (or node_title) and property, or targets");
  }

  @Test
  void targetsAndNodeIdTogetherAreAnError() {
    assertThat(problem("mapping-targets-and-node-id.yaml").getMessage())
        .contains("node_mappings.seed", "has both targets and node_id");
  }

  @Test
  void requiredParameterWithDefaultIsAnError() {
    assertThat(problem("mapping-required-with-default.yaml").getMessage())
        .contains("node_mappings.prompt.default", "a required parameter cannot have a default");
  }

  @Test
  void unknownOutputKindListsTheKinds() {
    assertThat(problem("mapping-unknown-output-kind.yaml").getMessage())
        .contains("outputs[0].kind", "unknown kind \"files\"", "did you mean 'file'?", "websocket");
  }

  @Test
  void outputOfAnUnknownClassNeedsAKind() {
    assertThat(problem("mapping-output-needs-kind.yaml").getMessage())
        .contains("outputs[0].kind", "CustomToggle", "kind: file or kind: websocket");
  }

  @Test
  void emptyMappingFileIsAnError() {
    assertThat(problem("mapping-empty.yaml").getMessage()).contains("w.yaml", "is empty", "node_mappings");
  }

  @Test
  void everyScenarioErrorNamesItsFile() {
    for (String scenario : List.of("mapping-unknown-key.yaml", "mapping-unknown-node.yaml",
        "mapping-type-mismatch.yaml", "mapping-malformed.yaml")) {
      WorkflowException e = problem(scenario);
      assertThat(e.file()).as(scenario).isEqualTo(Optional.of(root.resolve("configs/w.yaml").toAbsolutePath()));
      assertThat(e.getMessage()).as(scenario).startsWith(root.resolve("configs/w.yaml").toAbsolutePath() + ": ");
    }
  }

  @Test
  void emptyTargetsListSaysItNeedsAtLeastOneTarget() {
    WorkflowException e = problem("mapping-empty-targets.yaml");

    assertThat(e.key()).contains("node_mappings.seed.targets");
    assertThat(e.getMessage()).contains("is empty", "at least one target", "node_id (or node_title)", "property")
        .doesNotContain("got a list");
  }

  @Test
  void randomSeedThatMaxExcludesIsReportedUnderMaxNotAMissingDefault() {
    WorkflowException e = problem("mapping-random-seed-below-zero.yaml");

    assertThat(e.key()).contains("node_mappings.seed.max");
    assertThat(e.getMessage()).contains("a seed without a default is random", "[0, 2^53)", "max -1",
        "give a default");
  }

  @Test
  void explicitRandomDefaultThatMinExcludesIsReportedUnderDefault() {
    WorkflowException e = problem("mapping-random-default-above-limit.yaml");

    assertThat(e.key()).contains("node_mappings.noise.default");
    assertThat(e.getMessage()).contains("random", "[0, 2^53)", "min 9007199254740992");
  }

  @Test
  void emptyAllowedListSaysItMustListAValue() {
    WorkflowException e = problem("mapping-empty-allowed.yaml");

    assertThat(e.key()).contains("node_mappings.width.allowed");
    assertThat(e.getMessage()).contains("is empty", "at least one integer value").doesNotContain("got a list");
  }
}
