package io.github.comfylite.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void demoModeServesTheWholeFlowFromAnEmbeddedFake() throws Exception {
    Main.Launch launch = launch(List.of("--demo"), Map.of("COMFYLITE_ADDRESS", "127.0.0.1:0"));
    try (ComfyLiteServer server = launch.server().orElseThrow(() -> new AssertionError(err));
        MockWebServer receiver = receiver()) {
      assertThat(server.demo()).isTrue();
      JsonNode ready = awaitReady(server);
      assertThat(ready.get("demo").asBoolean()).isTrue();
      assertThat(ready.get("note").asText()).contains("DEMO MODE");

      // The working directory has no templates/: the workflows bundled in the jar are used.
      HttpResponse<String> submitted = post(server, "{\"prompt\":\"a demo\",\"image_count\":2,"
          + "\"webhook_url\":\"" + receiver.url("/hook") + "\"}");
      assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(200);
      RecordedRequest hook = receiver.takeRequest(15, TimeUnit.SECONDS);
      assertThat(hook).isNotNull();
      JsonNode payload = ServerJson.MAPPER.readTree(hook.getBody().toByteArray());
      assertThat(payload.get("status").asText()).isEqualTo("success");
      assertThat(payload.get("images")).hasSize(2);
      byte[] png = Base64.getDecoder().decode(payload.get("images").get(0).asText());
      assertThat(Harness.pngSize(png)).containsExactly(450, 450);
    }
  }

  @Test
  void comfyAddressDemoIsTheSameAsTheFlag() throws Exception {
    Main.Launch launch = launch(List.of(), Map.of("COMFYLITE_ADDRESS", "127.0.0.1:0", "COMFYUI_ADDRESS", "demo"));
    try (ComfyLiteServer server = launch.server().orElseThrow(() -> new AssertionError(err))) {
      assertThat(server.demo()).isTrue();
    }
  }

  @Test
  void readsTheEnvFileAndTheEnvironmentWins(@TempDir Path dir) throws Exception {
    Path env = dir.resolve(".env");
    Files.writeString(env, "# settings\nCOMFYLITE_ADDRESS=127.0.0.1:0\nCOMFYUI_ADDRESS=demo\n"
        + "COMFYLITE_MAX_PENDING=7\nexport COMFYLITE_MAX_PROMPT_LENGTH=\"5\"\n");
    Main.Launch launch = launch(List.of("--env-file", env.toString()), Map.of("COMFYLITE_MAX_PENDING", "9"));
    try (ComfyLiteServer server = launch.server().orElseThrow(() -> new AssertionError(err))) {
      assertThat(awaitReady(server).get("max_pending").asInt()).isEqualTo(9);
      HttpResponse<String> tooLong = post(server, "{\"prompt\":\"123456\"}");
      assertThat(tooLong.statusCode()).isEqualTo(400);
      assertThat(tooLong.body()).contains("at most 5");
    }
  }

  @Test
  void badConfigurationStopsStartUpNamingTheVariable() {
    Main.Launch launch = launch(List.of(), Map.of("COMFYLITE_ADRESS", ":8083", "COMFYLITE_MAX_PENDING", "-1"));
    assertThat(launch.server()).isEmpty();
    assertThat(launch.exitStatus()).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("COMFYLITE_ADRESS: unknown variable; did you mean COMFYLITE_ADDRESS?")
        .contains("COMFYLITE_MAX_PENDING: must be between 1 and 1000000, got -1");
  }

  @Test
  void malformedEnvFileStopsStartUpNamingTheLine(@TempDir Path dir) throws Exception {
    Path env = dir.resolve(".env");
    Files.writeString(env, "COMFYLITE_ADDRESS=:0\nthis is not an assignment\n");
    Main.Launch launch = launch(List.of("--env-file=" + env), Map.of());
    assertThat(launch.exitStatus()).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains(env + ":2: expected KEY=VALUE");
    assertThat(launch(List.of("--env-file", dir.resolve("missing").toString()), Map.of()).exitStatus()).isEqualTo(2);
  }

  @Test
  void missingWorkflowDirectoryOrDefaultWorkflowStopsStartUpNamingTheVariable(@TempDir Path dir) {
    Main.Launch missing = launch(List.of("--demo"), Map.of("COMFYLITE_ADDRESS", "127.0.0.1:0",
        "COMFYLITE_TEMPLATES_DIR", dir.resolve("nope").toString(),
        "COMFYLITE_CONFIGS_DIR", Harness.ROOT.resolve("configs").toString()));
    assertThat(missing.exitStatus()).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("COMFYLITE_TEMPLATES_DIR: ")
        .contains("does not exist or is not a directory");

    Main.Launch typo = launch(List.of("--demo"), Map.of("COMFYLITE_ADDRESS", "127.0.0.1:0",
        "COMFYLITE_TEMPLATES_DIR", Harness.ROOT.resolve("templates").toString(),
        "COMFYLITE_CONFIGS_DIR", Harness.ROOT.resolve("configs").toString(),
        "COMFYLITE_DEFAULT_WORKFLOW", "startr"));
    assertThat(typo.exitStatus()).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("COMFYLITE_DEFAULT_WORKFLOW: workflow 'startr' does not exist (available: ")
        .contains("starter");
  }

  @Test
  void portInUseExitsWithOne() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Main.Launch launch = launch(List.of("--demo"), Map.of("COMFYLITE_ADDRESS", "127.0.0.1:" + taken.getLocalPort()));
      assertThat(launch.server()).isEmpty();
      assertThat(launch.exitStatus()).isEqualTo(1);
      assertThat(err.toString(StandardCharsets.UTF_8)).contains("cannot start");
    }
  }

  @Test
  void helpListsEveryVariableAndUnknownArgumentsAreRejected() {
    Main.Launch help = launch(List.of("--help"), Map.of());
    assertThat(help.exitStatus()).isZero();
    assertThat(help.server()).isEmpty();
    for (String variable : ServerConfig.VARIABLES.keySet()) {
      assertThat(out.toString(StandardCharsets.UTF_8)).contains(variable);
    }
    assertThat(launch(List.of("--bogus"), Map.of()).exitStatus()).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown argument '--bogus'");
  }

  private Main.Launch launch(List<String> args, Map<String, String> env) {
    return Main.launch(args, env, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private JsonNode awaitReady(ComfyLiteServer server) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    HttpResponse<String> last;
    do {
      last = http.send(HttpRequest.newBuilder(server.url().resolve("/ready")).build(),
          HttpResponse.BodyHandlers.ofString());
      if (last.statusCode() == 200) {
        return ServerJson.MAPPER.readTree(last.body());
      }
      Thread.onSpinWait();
    } while (System.nanoTime() < deadline);
    throw new AssertionError("not ready: " + last.body());
  }

  private HttpResponse<String> post(ComfyLiteServer server, String json) throws Exception {
    return http.send(HttpRequest.newBuilder(server.url().resolve("/generate"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static MockWebServer receiver() throws Exception {
    MockWebServer receiver = new MockWebServer();
    receiver.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        return new MockResponse.Builder().code(200).build();
      }
    });
    receiver.start(0);
    return receiver;
  }
}
