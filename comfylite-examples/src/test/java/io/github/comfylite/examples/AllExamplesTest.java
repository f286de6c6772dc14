package io.github.comfylite.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.comfylite.errors.PromptFailedException;
import io.github.comfylite.result.FailureKind;
import io.github.comfylite.testkit.FakeComfyUi;
import io.github.comfylite.testkit.ReceivedPrompt;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs every example against a {@link FakeComfyUi} and checks what it printed and produced. */
class AllExamplesTest {
  private static final Path ROOT = Path.of(System.getProperty("comfylite.root", ".."));
  private static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G'};

  @TempDir Path output;
  private FakeComfyUi fake;

  @BeforeEach
  void startFake() {
    fake = FakeComfyUi.builder().build().start();
  }

  @AfterEach
  void stopFake() {
    fake.close();
  }

  /** An example's package-private entry point. */
  private interface Example {
    void run(Map<String, String> env, PrintStream out) throws Exception;
  }

  private Map<String, String> env(String... pairs) {
    Map<String, String> env = new HashMap<>();
    env.put("COMFYUI_URL", fake.url().toString());
    env.put("COMFYLITE_TEMPLATES_DIR", ROOT.resolve("templates").toString());
    env.put("COMFYLITE_CONFIGS_DIR", ROOT.resolve("configs").toString());
    env.put("OUTPUT_DIR", output.toString());
    env.put("TIMEOUT_SECONDS", "20");
    for (int i = 0; i < pairs.length; i += 2) {
      env.put(pairs[i], pairs[i + 1]);
    }
    return env;
  }

  private static List<String> run(Example example, Map<String, String> env) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
      example.run(env, out);
    }
    return Arrays.asList(bytes.toString(StandardCharsets.UTF_8).split("\\R"));
  }

  private static void assertPng(Path file) throws Exception {
    assertThat(file).isRegularFile();
    assertThat(Arrays.copyOf(Files.readAllBytes(file), 4)).isEqualTo(PNG_MAGIC);
  }

  @Test
  void quickStartWritesEveryImageItPrints() throws Exception {
    List<String> lines = run(QuickStartExample::run, env());

    assertThat(lines).hasSize(1);
    Path image = Path.of(lines.get(0));
    assertThat(image).isAbsolute().startsWith(output.toAbsolutePath());
    assertPng(image);
    assertThat(fake.receivedPrompts()).singleElement()
        .satisfies(p -> assertThat(p.graph().path("1").path("class_type").asText()).isEqualTo("EmptyImage"));
  }

  @Test
  void quickStartRunsAgainstAnEmbeddedFakeWhenComfyUiUrlIsDemo() throws Exception {
    List<String> lines = run(QuickStartExample::run, env("COMFYUI_URL", "demo"));

    assertThat(lines).hasSize(1);
    assertPng(Path.of(lines.get(0)));
    assertThat(fake.receivedPrompts()).isEmpty(); // it used its own fake, not this test's
  }

  @Test
  void aBadSettingNamesTheVariableAndWhatIsAllowed() {
    assertThatThrownBy(() -> run(AsyncExample::run, env("COUNT", "lots")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("COUNT must be a whole number from 1 to 16, got 'lots'");
    assertThatThrownBy(() -> run(QuickStartExample::run, env("COMFYUI_URL", "127.0.0.1:8188")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("COMFYUI_URL must be an http or https URL such as http://127.0.0.1:8188, got '127.0.0.1:8188'");
    assertThat(fake.receivedPrompts()).isEmpty();
  }

  @Test
  void quickStartFailsWithComfyUisMessageWhenTheCheckpointIsMissing() {
    fake.setModels("checkpoints", List.of("sd_xl_base_1.0.safetensors"));

    assertThatThrownBy(() -> run(QuickStartExample::run, env("WORKFLOW", "starter", "PROMPT", "a red fox")))
        .isInstanceOf(CompletionException.class)
        .cause().isInstanceOfSatisfying(PromptFailedException.class, e -> {
          assertThat(e.kind()).isEqualTo(FailureKind.VALIDATION);
          assertThat(e.getMessage()).contains("v1-5-pruned-emaonly.safetensors");
        });
    assertThat(output).isEmptyDirectory();
  }

  @Test
  void asyncExampleRunsEveryPromptAndThenTheFollowUp() throws Exception {
    List<String> lines = run(AsyncExample::run, env("COUNT", "3"));

    assertThat(lines).hasSize(5);
    assertThat(lines.subList(0, 3))
        .allMatch(line -> line.matches("colour #[0-9A-F]{6} -> prompt \\S+: 1 image\\(s\\), \\d+ bytes"));
    assertThat(lines.get(3)).isEqualTo("all 3 prompts done");
    assertThat(lines.get(4)).startsWith("follow-up #E63946 at 256x256 -> prompt ");

    List<ReceivedPrompt> prompts = fake.receivedPrompts();
    assertThat(prompts).hasSize(4);
    JsonNode followUp = prompts.get(3).graph().path("1").path("inputs");
    assertThat(followUp.path("width").asInt()).isEqualTo(256);
    assertThat(followUp.path("color").asInt()).isEqualTo(0xE63946);
  }

  @Test
  void progressExampleReportsEveryStageInOrderWithLivePreviews() throws Exception {
    fake.setLivePreviews(true);

    List<String> lines = run(ProgressExample::run, env("WORKFLOW", "starter", "PROMPT", "a red fox"));

    List<String> stages = lines.stream().map(line -> line.split("[ :]")[0]).distinct().collect(Collectors.toList());
    assertThat(stages).contains("queued");
    assertThat(stages).containsSubsequence("started", "progress", "preview", "finished", "previews");
    assertThat(lines).anyMatch(line -> line.matches("progress \\S+: node 3 20/20 .*"));
    assertThat(lines).anyMatch(line -> line.matches("finished \\S+: succeeded with 1 image\\(s\\)"));
    long previews = lines.stream().filter(line -> line.startsWith("preview ")).count();
    assertThat(previews).isPositive();
    assertThat(lines).contains("previews: " + previews);
    Path preview = Path.of(lines.get(lines.size() - 1).substring("last preview: ".length()));
    assertThat(preview).isRegularFile().hasFileName("last-preview.jpg");
  }

  @Test
  void webhookExampleVerifiesTheSignedDeliveryAndRefusesTheForgedOne() throws Exception {
    List<String> lines = run(WebhookExample::run, env());

    String promptId = fake.receivedPrompts().get(0).promptId();
    assertThat(lines).anyMatch(line -> line.matches("webhook msg_\\S+: signature verified"));
    assertThat(lines).contains("payload: status=success prompt_id=" + promptId + " images=1 mime_types=[image/png]");
    assertThat(lines).contains("webhook msg_forged: signature INVALID, answered 401", "forged delivery answered 401");
  }

  @Test
  void customWorkflowExampleRefusesABadValueThenUploadsTheImageAndSendsTypedParameters() throws Exception {
    Path workflows = ROOT.resolve("comfylite-examples/workflows");
    List<String> lines = run(CustomWorkflowExample::run, env(
        "COMFYLITE_TEMPLATES_DIR", workflows.resolve("templates").toString(),
        "COMFYLITE_CONFIGS_DIR", workflows.resolve("configs").toString(),
        "PROMPT", "a lighthouse in fog", "DENOISE", "0.35", "STEPS", "7", "SAMPLER", "dpmpp_2m"));

    assertThat(lines).contains("parameters of img2img:",
        "  denoise: number, default 0.6, min 0, max 1 (How much to change the input (0 keeps it, 1 ignores it))",
        "  sampler: string, default euler, one of [euler, euler_ancestral, dpmpp_2m, ddim]",
        "refused before submitting: parameter 'denoise' of workflow 'img2img' must be between 0 and 1, got 1.5",
        "uploaded as comfylite-gradient.png");
    assertPng(Path.of(lines.get(lines.size() - 2)));

    // The refused request never reached ComfyUI; the accepted one carries every typed value.
    JsonNode graph = fake.receivedPrompts().stream().map(ReceivedPrompt::graph).reduce((a, b) -> b).orElseThrow();
    assertThat(fake.receivedPrompts()).hasSize(1);
    assertThat(graph.path("1").path("inputs").path("image").asText()).isEqualTo("comfylite-gradient.png");
    assertThat(graph.path("4").path("inputs").path("text").asText()).isEqualTo("a lighthouse in fog");
    JsonNode sampler = graph.path("6").path("inputs");
    assertThat(sampler.path("denoise").doubleValue()).isEqualTo(0.35);
    assertThat(sampler.path("steps").isIntegralNumber()).isTrue();
    assertThat(sampler.path("steps").asInt()).isEqualTo(7);
    assertThat(sampler.path("sampler_name").asText()).isEqualTo("dpmpp_2m");
    assertThat(lines.get(lines.size() - 1)).isEqualTo("seed: " + sampler.path("seed").asText());
  }

  @Test
  void cancellationExampleCancelsTheQueuedAndTheRunningPrompt() throws Exception {
    fake.setExecutionTime(Duration.ofSeconds(60)); // A runs until it is interrupted

    List<String> lines = run(CancellationExample::run, env("SIZE", "64", "COUNT", "2"));

    assertThat(lines).contains("A started");
    assertThat(lines).anyMatch(line -> line.startsWith("queued prompt B: CANCELLED ("));
    assertThat(lines).anyMatch(line -> line.startsWith("running prompt A: CANCELLED ("));
    fake.awaitIdle(Duration.ofSeconds(5));
    assertThat(fake.completedPrompts()).isEqualTo(1); // A ended (interrupted); B never ran
  }

  @Test
  void embeddedServerExampleServesGenerateAndReportsTheFinishedPrompt() throws Exception {
    List<String> lines = run(EmbeddedServerExample::run, env());

    assertThat(lines.get(0)).matches("server listening on http://127\\.0\\.0\\.1:\\d+/");
    assertThat(lines.get(0)).doesNotEndWith(":8083/");
    String promptId = fake.receivedPrompts().get(0).promptId();
    assertThat(lines.get(1)).startsWith("POST /generate -> 200 {\"prompt_id\":\"" + promptId + "\"");
    assertThat(lines.get(2)).isEqualTo("prompt " + promptId + ": succeeded with 1 image(s) [\"image/png\"]");
    JsonNode image = fake.receivedPrompts().get(0).graph().path("1").path("inputs");
    assertThat(image.path("color").asInt()).isEqualTo(16711680);
    assertThat(image.path("width").asInt()).isEqualTo(64);
  }

  @Test
  void mainListsOnlyRunnableExamples() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
      Main.print(out);
    }
    List<String> names = Arrays.stream(bytes.toString(StandardCharsets.UTF_8).split("\\R"))
        .map(String::strip)
        .filter(line -> line.matches("\\w+Example\\b.*"))
        .map(line -> line.split("\\s+")[0])
        .collect(Collectors.toList());

    assertThat(names).contains("QuickStartExample", "AsyncExample", "ProgressExample", "WebhookExample",
        "CustomWorkflowExample", "CancellationExample", "EmbeddedServerExample");
    for (String name : names) {
      Class<?> example = Class.forName(Main.class.getPackageName() + "." + name);
      Method main = example.getMethod("main", String[].class);
      assertThat(Modifier.isStatic(main.getModifiers())).as(name).isTrue();
      assertThat(Modifier.isFinal(example.getModifiers())).as(name).isTrue();
      assertThat(example.getDeclaredConstructors()).as(name)
          .allMatch(constructor -> Modifier.isPrivate(constructor.getModifiers()));
    }
  }
}
