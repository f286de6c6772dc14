package io.github.comfylite.workflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.comfylite.errors.WorkflowException;
import io.github.comfylite.internal.Json;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Building a request's graph from the documented example mapping ({@code mapping-valid.yaml}). */
class BuildTest {
  @TempDir Path root;
  private WorkflowManager manager;

  @BeforeEach
  void setUp() {
    manager = new Workspace(root).add("example", "test-workflow.json", "mapping-valid.yaml")
        .add("random", "test-workflow.json", "mapping-random-default.yaml")
        .add("fixed", "test-workflow.json", "mapping-fixed-seed.yaml")
        .manager();
  }

  private BuiltWorkflow build(Map<String, ?> params) {
    Map<String, Object> all = new HashMap<>(params);
    all.putIfAbsent("prompt", "a fox");
    return manager.build("example", all);
  }

  private String rejection(Map<String, ?> params) {
    WorkflowException e = catchThrowableOfType(WorkflowException.class, () -> build(params));
    assertThat(e).as("rejects %s", params).isNotNull();
    assertThat(e.workflow()).contains("example");
    return e.getMessage();
  }

  private static JsonNode input(BuiltWorkflow built, String node, String input) {
    return built.graph().get(node).get("inputs").get(input);
  }

  @Test
  void appliesEachParameterToItsInput() {
    BuiltWorkflow built = build(Map.of("prompt", "a lighthouse", "negative_prompt", "fog", "seed", 42,
        "width", 768, "height", 640, "imageCount", 4, "cfg", 7.5, "sampler", "dpmpp_2m", "add_noise", false));

    assertThat(input(built, "6", "text").textValue()).isEqualTo("a lighthouse");
    assertThat(input(built, "7", "text").textValue()).isEqualTo("fog");
    assertThat(input(built, "5", "width").intValue()).isEqualTo(768);
    assertThat(input(built, "5", "height").intValue()).isEqualTo(640);
    assertThat(input(built, "5", "batch_size").intValue()).isEqualTo(4);
    assertThat(input(built, "3", "cfg").doubleValue()).isEqualTo(7.5);
    assertThat(input(built, "3", "sampler_name").textValue()).isEqualTo("dpmpp_2m");
    assertThat(input(built, "13", "add_noise").isBoolean()).isTrue();
    assertThat(input(built, "13", "add_noise").booleanValue()).isFalse();
    assertThat(input(built, "3", "clip")).isNull();
    assertThat(input(built, "3", "model")).isEqualTo(Json.JSON.createArrayNode().add("4").add(0));
    assertThat(built.workflow()).isEqualTo("example");
    assertThat(built.outputs()).containsExactly(new OutputNode("9", "SaveImage", OutputKind.FILE));
  }

  @Test
  void oneParameterFeedsEveryTarget() {
    BuiltWorkflow built = build(Map.of("seed", 1234567890123L));

    assertThat(input(built, "3", "seed").longValue()).isEqualTo(1234567890123L);
    assertThat(input(built, "12", "seed").longValue()).isEqualTo(1234567890123L);
  }

  @Test
  void absentSeedIsRandomAndTheSameInEveryTarget() {
    Set<Long> seeds = new HashSet<>();
    for (int i = 0; i < 20; i++) {
      BuiltWorkflow built = build(Map.of());
      long seed = input(built, "3", "seed").longValue();
      assertThat(seed).isBetween(0L, (1L << 53) - 1);
      assertThat(input(built, "12", "seed").longValue()).isEqualTo(seed);
      assertThat(built.parameters()).containsEntry("seed", seed);
      seeds.add(seed);
    }
    assertThat(seeds).hasSizeGreaterThan(1);
  }

  @Test
  void nullValueMeansAbsent() {
    Map<String, Object> params = new HashMap<>();
    params.put("seed", null);
    params.put("width", null);

    BuiltWorkflow built = build(params);

    assertThat(input(built, "5", "width").intValue()).isEqualTo(512);
    assertThat(built.parameters().get("seed")).isInstanceOf(Long.class);
  }

  @Test
  void defaultRandomGivesAFreshValue() {
    Set<Long> values = new HashSet<>();
    for (int i = 0; i < 20; i++) {
      values.add(manager.build("random", Map.of()).graph().get("12").get("inputs").get("seed").longValue());
    }
    assertThat(values).hasSizeGreaterThan(1);
  }

  @Test
  void seedWithADefaultUsesIt() {
    assertThat(manager.build("fixed", Map.of()).graph().get("3").get("inputs").get("seed").longValue())
        .isEqualTo(42);
  }

  @Test
  void parametersReportWhatWasApplied() {
    BuiltWorkflow built = build(Map.of("seed", 7, "height", 256));

    assertThat(built.parameters()).containsEntry("prompt", "a fox").containsEntry("seed", 7L)
        .containsEntry("height", 256L).containsEntry("width", 512L).containsEntry("imageCount", 1L)
        .containsEntry("negative_prompt", "blurry, low quality, watermark").containsEntry("refiner_steps", 20L)
        .doesNotContainKey("init_image");
    assertThatThrownBy(() -> built.parameters().put("x", 1)).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void explicitDefaultIsAppliedWhenAbsent() {
    // The template holds 10 steps for the refiner; the mapping's default is 20.
    assertThat(input(build(Map.of()), "12", "steps").intValue()).isEqualTo(20);
  }

  @Test
  void buildsNeverChangeTheTemplate() {
    build(Map.of("prompt", "changed", "width", 1024));

    Workflow workflow = manager.workflow("example");
    assertThat(workflow.template().get("6").get("inputs").get("text").textValue())
        .isEqualTo("a photo of a red fox in a snowy forest, highly detailed");
    assertThat(input(build(Map.of()), "5", "width").intValue()).isEqualTo(512);
    workflow.template().remove("6");
    assertThat(workflow.template().has("6")).isTrue();
  }

  @Test
  void promptTextArrivesIntactThroughTheRequestBody() throws IOException {
    String text = "say \"cheese\" \\ back\\slash\nnew line\ttab 🦊 emoji, </script> {\"json\": 1}, ünïcødé, \u0000 nul";

    byte[] body = build(Map.of("prompt", text)).toPromptRequest("client-1", "prompt-1");

    JsonNode parsed = Json.JSON.readTree(body);
    assertThat(parsed.get("prompt").get("6").get("inputs").get("text").textValue()).isEqualTo(text);
    assertThat(new String(body, StandardCharsets.UTF_8)).contains("🦊");
  }

  @Test
  void requestBodyHasThePromptClientIdAndPromptId() throws IOException {
    BuiltWorkflow built = build(Map.of("seed", 9));

    JsonNode body = Json.JSON.readTree(built.toPromptRequest("5b3f1a9e-7c2d-4e8b-9a10-3c4d5e6f7a8b",
        "c2a4e6f8-1b3d-4f5a-9c7e-2d4f6a8b0c1e"));

    assertThat(body.fieldNames()).toIterable().containsExactly("prompt", "client_id", "prompt_id");
    assertThat(body.get("prompt")).isEqualTo(built.graph());
    assertThat(body.get("client_id").textValue()).isEqualTo("5b3f1a9e-7c2d-4e8b-9a10-3c4d5e6f7a8b");
    assertThat(body.get("prompt_id").textValue()).isEqualTo("c2a4e6f8-1b3d-4f5a-9c7e-2d4f6a8b0c1e");
  }

  @Test
  void requestBodyWithoutPromptIdForOldServers() throws IOException {
    JsonNode body = Json.JSON.readTree(build(Map.of()).toPromptRequest("client-1"));

    assertThat(body.fieldNames()).toIterable().containsExactly("prompt", "client_id");
  }

  @Test
  void hugeSeedsAreWrittenAsExactIntegers() throws IOException {
    BigInteger largest = new BigInteger("18446744073709551615");

    byte[] body = build(Map.of("seed", largest)).toPromptRequest("c", "p");

    assertThat(new String(body, StandardCharsets.UTF_8)).contains("\"seed\":18446744073709551615");
    assertThat(Json.JSON.readTree(body).get("prompt").get("12").get("inputs").get("seed").bigIntegerValue())
        .isEqualTo(largest);
  }

  @Test
  void wholeNumbersAreAcceptedInAnyNumericForm() {
    assertThat(input(build(Map.of("width", 640L)), "5", "width").intValue()).isEqualTo(640);
    assertThat(input(build(Map.of("width", 640.0)), "5", "width").intValue()).isEqualTo(640);
    assertThat(input(build(Map.of("width", new BigDecimal("640.00"))), "5", "width").intValue()).isEqualTo(640);
    assertThat(input(build(Map.of("width", BigInteger.valueOf(640))), "5", "width").intValue()).isEqualTo(640);
    assertThat(input(build(Map.of("width", 640.0)), "5", "width").isIntegralNumber()).isTrue();
  }

  @Test
  void decimalNumbersKeepTheirValue() throws IOException {
    byte[] body = build(Map.of("cfg", new BigDecimal("6.25"))).toPromptRequest("c", "p");

    assertThat(new String(body, StandardCharsets.UTF_8)).contains("\"cfg\":6.25");
  }

  @Test
  void integerParameterRejectsFractions() {
    assertThat(rejection(Map.of("width", 20.5)))
        .isEqualTo("parameter 'width' of workflow 'example' must be a whole number, got 20.5");
  }

  @Test
  void integerParameterRejectsText() {
    assertThat(rejection(Map.of("width", "640")))
        .isEqualTo("parameter 'width' of workflow 'example' must be a whole number, got the text \"640\"");
  }

  @Test
  void valuesOutsideTheLimitsAreRejected() {
    assertThat(rejection(Map.of("width", 10000)))
        .isEqualTo("parameter 'width' of workflow 'example' must be between 64 and 2048, got 10000");
    assertThat(rejection(Map.of("imageCount", 0)))
        .isEqualTo("parameter 'imageCount' of workflow 'example' must be between 1 and 8, got 0");
    assertThat(rejection(Map.of("cfg", 30.5))).contains("must be between 0 and 30, got 30.5");
    assertThat(rejection(Map.of("seed", -1))).contains("must be between 0 and 18446744073709551615, got -1");
  }

  @Test
  void numberParameterRejectsNonFiniteValues() {
    assertThat(rejection(Map.of("cfg", Double.NaN))).contains("'cfg'", "must be a finite number");
  }

  @Test
  void valueOutsideTheAllowedOnesIsRejectedWithASuggestion() {
    assertThat(rejection(Map.of("sampler", "eulr"))).isEqualTo("parameter 'sampler' of workflow 'example' must be "
        + "one of \"euler\", \"euler_ancestral\", \"dpmpp_2m\", got \"eulr\"; did you mean 'euler'?");
  }

  @Test
  void textParameterRejectsOtherTypes() {
    assertThat(rejection(Map.of("prompt", 5))).contains("'prompt'", "must be a string, got 5");
  }

  @Test
  void booleanParameterRejectsTheStringFalse() {
    assertThat(rejection(Map.of("add_noise", "false"))).contains("'add_noise'", "must be true or false");
  }

  @Test
  void unknownParameterIsRejectedWithTheAllowedOnesAndASuggestion() {
    assertThat(rejection(Map.of("widht", 640))).contains("workflow 'example' has no parameter 'widht'",
        "prompt, negative_prompt, seed, width, height", "did you mean 'width'?");
  }

  @Test
  void missingRequiredParameterIsRejected() {
    WorkflowException e = catchThrowableOfType(WorkflowException.class,
        () -> manager.build("example", Map.of("width", 640)));

    assertThat(e).hasMessage("parameter 'prompt' of workflow 'example' is required");
    assertThat(e.key()).contains("prompt");
  }

  @Test
  void imageParameterWaitsForItsUpload() throws IOException {
    ImageInput image = new ImageInput("fox.png", new byte[] {(byte) 0x89, 'P', 'N', 'G'});
    BuiltWorkflow built = build(Map.of("init_image", image));

    assertThat(built.pendingUploads()).containsExactly(
        new ImageUpload("init_image", image, java.util.List.of(new NodeTarget("10", "image"))));
    assertThatThrownBy(() -> built.toPromptRequest("c", "p")).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("init_image").hasMessageContaining("applyUpload");

    built.applyUpload(built.pendingUploads().get(0), "fox (1).png");

    assertThat(built.pendingUploads()).isEmpty();
    assertThat(input(built, "10", "image").textValue()).isEqualTo("fox (1).png");
    assertThat(built.parameters()).containsEntry("init_image", "fox (1).png");
    assertThat(Json.JSON.readTree(built.toPromptRequest("c", "p")).get("prompt").get("10").get("inputs")
        .get("image").textValue()).isEqualTo("fox (1).png");
  }

  @Test
  void imageParameterAcceptsTheNameOfAFileAlreadyOnTheServer() {
    BuiltWorkflow built = build(Map.of("init_image", "already/there.png"));

    assertThat(built.pendingUploads()).isEmpty();
    assertThat(input(built, "10", "image").textValue()).isEqualTo("already/there.png");
  }

  @Test
  void applyingAnUploadThatIsNotPendingIsMisuse() {
    BuiltWorkflow built = build(Map.of());
    ImageUpload stranger = new ImageUpload("init_image", new ImageInput("a.png", new byte[] {1}),
        java.util.List.of(new NodeTarget("10", "image")));

    assertThatThrownBy(() -> built.applyUpload(stranger, "a.png")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no upload is pending for parameter 'init_image'");
  }

  @Test
  void imageInputRejectsPathsAndEmptyImages() {
    assertThatThrownBy(() -> new ImageInput("../x.png", new byte[] {1})).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("plain file name");
    assertThatThrownBy(() -> new ImageInput("x.png", new byte[0])).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("empty");
    assertThat(new ImageInput("x.png", new byte[3]).toString()).isEqualTo("ImageInput[fileName=x.png, 3 bytes]");
  }

  @Test
  void acceptsValuesFromAParsedJsonRequest() throws IOException {
    JsonNode request = Json.JSON.readTree("{\"prompt\": \"from json\", \"seed\": 18446744073709551615, "
        + "\"width\": 640, \"cfg\": 6.5, \"add_noise\": true, \"height\": null}");
    Map<String, Object> params = new HashMap<>();
    request.fields().forEachRemaining(field -> params.put(field.getKey(), field.getValue()));

    BuiltWorkflow built = manager.build("example", params);

    assertThat(input(built, "6", "text").textValue()).isEqualTo("from json");
    assertThat(input(built, "3", "seed").bigIntegerValue()).isEqualTo(new BigInteger("18446744073709551615"));
    assertThat(input(built, "5", "width").intValue()).isEqualTo(640);
    assertThat(input(built, "5", "height").intValue()).isEqualTo(512);
    assertThat(input(built, "3", "cfg").doubleValue()).isEqualTo(6.5);
    assertThat(rejection(Map.of("width", Json.JSON.createArrayNode().add(1))))
        .contains("must be a whole number, got a list");
  }

  @Test
  void eachBuildIsIndependent() {
    BuiltWorkflow first = build(Map.of("width", 640));
    BuiltWorkflow second = build(Map.of("width", 1024));

    first.graph().with("5").with("inputs").put("height", 99);

    assertThat(input(first, "5", "width").intValue()).isEqualTo(640);
    assertThat(input(second, "5", "width").intValue()).isEqualTo(1024);
    assertThat(input(second, "5", "height").intValue()).isEqualTo(512);
  }
}
