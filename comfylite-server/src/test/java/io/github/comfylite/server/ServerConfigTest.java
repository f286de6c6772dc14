package io.github.comfylite.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class ServerConfigTest {

  @Test
  void defaultsAreTheOriginalsAndDocumentedLimits() {
    ServerConfig config = ServerConfig.fromEnv(Map.of());
    assertThat(config.listenHost()).isEmpty();
    assertThat(config.listenPort()).isEqualTo(8083);
    assertThat(config.comfyUrl()).contains(URI.create("http://127.0.0.1:8000"));
    assertThat(config.demo()).isFalse();
    assertThat(config.templatesDir()).isEqualTo(Path.of("templates"));
    assertThat(config.configsDir()).isEqualTo(Path.of("configs"));
    assertThat(config.workflowDirsConfigured()).isFalse();
    assertThat(config.defaultWorkflow()).isEqualTo("starter");
    assertThat(config.apiKey()).isEmpty();
    assertThat(config.webhookSecret()).isEmpty();
    assertThat(config.webhookAllowedHosts()).isEmpty();
    assertThat(config.promptTimeout()).isEqualTo(Duration.ofMinutes(10));
    assertThat(config.maxBodyBytes()).isEqualTo(1 << 20);
    assertThat(config.maxPromptLength()).isEqualTo(10_000);
    assertThat(config.maxPending()).isEqualTo(256);
    // Enough attempts to ride out a receiver that fails half its requests (the soak run lost ~3% with 5).
    assertThat(config.webhookMaxAttempts()).isEqualTo(10);
  }

  @Test
  void readsEveryVariable() {
    Map<String, String> env = new HashMap<>();
    env.put("COMFYLITE_ADDRESS", "127.0.0.1:9000");
    env.put("COMFYUI_ADDRESS", "https://gpu.internal:8188/comfy");
    env.put("COMFYLITE_TEMPLATES_DIR", "/srv/t");
    env.put("COMFYLITE_CONFIGS_DIR", "/srv/c");
    env.put("COMFYLITE_DEFAULT_WORKFLOW", "flux");
    env.put("COMFYLITE_API_KEY", "0123456789abcdef-key");
    env.put("COMFYLITE_WEBHOOK_SECRET", "whsec_c2VjcmV0");
    env.put("COMFYLITE_WEBHOOK_ALLOWED_HOSTS", "hooks.example.com, *.Internal.Example ,[::1]");
    env.put("COMFYLITE_WEBHOOK_MAX_ATTEMPTS", "3");
    env.put("COMFYLITE_PROMPT_TIMEOUT", "1h30m");
    env.put("COMFYLITE_MAX_PENDING", "10");
    env.put("COMFYLITE_MAX_BODY_BYTES", "512KiB");
    env.put("COMFYLITE_MAX_PROMPT_LENGTH", "2000");
    env.put("COMFYLITE_MAX_IMAGE_COUNT", "8");
    env.put("COMFYLITE_MAX_IMAGE_SIZE", "2048");
    env.put("COMFYLITE_THREADS", "4");
    env.put("COMFYLITE_PROMPT_HISTORY", "50");
    env.put("COMFYLITE_RESULT_CACHE_BYTES", "64m");
    env.put("PATH", "/usr/bin"); // other variables are ignored
    env.put("COMFYUI_PATH", "/opt/comfy");

    ServerConfig config = ServerConfig.fromEnv(env);

    assertThat(config.listenHost()).contains("127.0.0.1");
    assertThat(config.listenPort()).isEqualTo(9000);
    assertThat(config.comfyUrl()).contains(URI.create("https://gpu.internal:8188/comfy"));
    assertThat(config.templatesDir()).isEqualTo(Path.of("/srv/t"));
    assertThat(config.configsDir()).isEqualTo(Path.of("/srv/c"));
    assertThat(config.workflowDirsConfigured()).isTrue();
    assertThat(config.defaultWorkflow()).isEqualTo("flux");
    assertThat(config.apiKey()).contains("0123456789abcdef-key");
    assertThat(config.webhookSecret()).contains("whsec_c2VjcmV0");
    assertThat(config.webhookAllowedHosts()).containsExactly("hooks.example.com", "*.internal.example", "::1");
    assertThat(config.webhookMaxAttempts()).isEqualTo(3);
    assertThat(config.promptTimeout()).isEqualTo(Duration.ofMinutes(90));
    assertThat(config.maxPending()).isEqualTo(10);
    assertThat(config.maxBodyBytes()).isEqualTo(512 * 1024);
    assertThat(config.maxPromptLength()).isEqualTo(2000);
    assertThat(config.maxImageCount()).isEqualTo(8);
    assertThat(config.maxImageSize()).isEqualTo(2048);
    assertThat(config.threads()).isEqualTo(4);
    assertThat(config.promptHistory()).isEqualTo(50);
    assertThat(config.resultCacheBytes()).isEqualTo(64L << 20);
  }

  @Test
  void everyVariableItReadsIsDocumented() {
    assertThat(ServerConfig.VARIABLES).containsKeys("COMFYLITE_ADDRESS", "COMFYUI_ADDRESS",
        "COMFYLITE_TEMPLATES_DIR", "COMFYLITE_CONFIGS_DIR", "COMFYLITE_DEFAULT_WORKFLOW");
    assertThat(ServerConfig.VARIABLES.values()).allSatisfy(d -> assertThat(d).contains("default"));
  }

  @Test
  void acceptsEveryAddressForm() {
    assertThat(address(":8083")).isEqualTo(List.of("", "8083"));
    assertThat(address("0.0.0.0:80")).isEqualTo(List.of("0.0.0.0", "80"));
    assertThat(address("localhost:0")).isEqualTo(List.of("localhost", "0"));
    assertThat(address("[::1]:8083")).isEqualTo(List.of("::1", "8083"));
    assertThat(address("9000")).isEqualTo(List.of("", "9000"));
    ServerConfig v6 = ServerConfig.fromEnv(Map.of("COMFYLITE_ADDRESS", "[::1]:8083"));
    assertThat(v6.listenHost()).contains("::1");
  }

  @Test
  void rejectsMalformedAddressesNamingTheVariable() {
    for (String bad : List.of("localhost", ":99999", ":", "host:port", "::1:8083", "[::1]8083", "[zz]:1", "a b:1")) {
      assertThatThrownBy(() -> ServerConfig.fromEnv(Map.of("COMFYLITE_ADDRESS", bad)))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("COMFYLITE_ADDRESS");
    }
  }

  @Test
  void comfyAddressAcceptsDemoAndBareHostPort() {
    ServerConfig demo = ServerConfig.fromEnv(Map.of("COMFYUI_ADDRESS", "DEMO"));
    assertThat(demo.demo()).isTrue();
    assertThat(demo.comfyUrl()).isEmpty();
    assertThat(ServerConfig.fromEnv(Map.of("COMFYUI_ADDRESS", "127.0.0.1:8188")).comfyUrl())
        .contains(URI.create("http://127.0.0.1:8188"));
  }

  @Test
  void rejectsNonHttpComfyAddress() {
    assertThatThrownBy(() -> ServerConfig.fromEnv(Map.of("COMFYUI_ADDRESS", "ws://127.0.0.1:8000")))
        .hasMessageContaining("COMFYUI_ADDRESS").hasMessageContaining("http://");
    assertThatThrownBy(() -> ServerConfig.fromEnv(Map.of("COMFYUI_ADDRESS", "http://")))
        .hasMessageContaining("COMFYUI_ADDRESS");
    assertThatThrownBy(() -> ServerConfig.fromEnv(Map.of("COMFYUI_ADDRESS", "http://host:8000/?x=1")))
        .hasMessageContaining("COMFYUI_ADDRESS").hasMessageContaining("query");
  }

  @Test
  void unknownComfyliteVariableIsAnErrorWithSuggestion() {
    assertThatThrownBy(() -> ServerConfig.fromEnv(Map.of("COMFYLITE_ADRESS", ":1")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("COMFYLITE_ADRESS: unknown variable; did you mean COMFYLITE_ADDRESS?");
  }

  @Test
  void reportsEveryProblemAtOnce() {
    Map<String, String> env = Map.of(
        "COMFYLITE_MAX_PENDING", "many",
        "COMFYLITE_PROMPT_TIMEOUT", "10",
        "COMFYLITE_THREADS", "0",
        "COMFYLITE_MAX_BODY_BYTES", "12 parsecs");
    assertThatThrownBy(() -> ServerConfig.fromEnv(env))
        .hasMessageContaining("COMFYLITE_MAX_PENDING: must be a whole number between 1 and 1000000, got 'many'")
        .hasMessageContaining("COMFYLITE_PROMPT_TIMEOUT: expected a duration such as 90s")
        .hasMessageContaining("COMFYLITE_THREADS: must be between 1 and 1024, got 0")
        .hasMessageContaining("COMFYLITE_MAX_BODY_BYTES: expected a size");
  }

  @Test
  void emptySecretIsAnErrorNotSilentlyOpen() {
    assertThatThrownBy(() -> ServerConfig.fromEnv(Map.of("COMFYLITE_API_KEY", "")))
        .hasMessageContaining("COMFYLITE_API_KEY: is set but empty");
    assertThatThrownBy(() -> ServerConfig.fromEnv(Map.of("COMFYLITE_API_KEY", "short")))
        .hasMessageContaining("COMFYLITE_API_KEY: is too short");
    assertThatThrownBy(() -> ServerConfig.fromEnv(Map.of("COMFYLITE_API_KEY", "has space in the middle")))
        .hasMessageContaining("COMFYLITE_API_KEY")
        .hasMessageNotContaining("has space in the middle");
  }

  @Test
  void emptyOrdinaryVariablesMeanDefault() {
    ServerConfig config = ServerConfig.fromEnv(Map.of("COMFYLITE_ADDRESS", "", "COMFYLITE_MAX_PENDING", " "));
    assertThat(config.listenPort()).isEqualTo(8083);
    assertThat(config.maxPending()).isEqualTo(256);
  }

  @Test
  void rejectsTraversalInDefaultWorkflow() {
    assertThatThrownBy(() -> ServerConfig.fromEnv(Map.of("COMFYLITE_DEFAULT_WORKFLOW", "../etc/passwd")))
        .hasMessageContaining("COMFYLITE_DEFAULT_WORKFLOW").hasMessageContaining("invalid workflow name");
  }

  @Test
  void rejectsAllowListEntriesWithSchemeOrPort() {
    assertThatThrownBy(() -> ServerConfig.fromEnv(Map.of("COMFYLITE_WEBHOOK_ALLOWED_HOSTS", "https://a.com")))
        .hasMessageContaining("COMFYLITE_WEBHOOK_ALLOWED_HOSTS");
    assertThatThrownBy(() -> ServerConfig.fromEnv(Map.of("COMFYLITE_WEBHOOK_ALLOWED_HOSTS", "a.com:80")))
        .hasMessageContaining("COMFYLITE_WEBHOOK_ALLOWED_HOSTS");
  }

  @Test
  void parsesDurations() {
    assertThat(ServerConfig.parseDuration("90s")).isEqualTo(Duration.ofSeconds(90));
    assertThat(ServerConfig.parseDuration("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(ServerConfig.parseDuration("2h")).isEqualTo(Duration.ofHours(2));
    assertThat(ServerConfig.parseDuration("1d")).isEqualTo(Duration.ofDays(1));
    assertThat(ServerConfig.parseDuration("PT10M")).isEqualTo(Duration.ofMinutes(10));
    for (String bad : List.of("", "10", "0s", "-5s", "5 minutes", "m", "10m5", "PTX")) {
      assertThatThrownBy(() -> ServerConfig.parseDuration(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void parsesSizes() {
    assertThat(ServerConfig.parseSize("1048576")).isEqualTo(1 << 20);
    assertThat(ServerConfig.parseSize("1MiB")).isEqualTo(1 << 20);
    assertThat(ServerConfig.parseSize("2k")).isEqualTo(2048);
    assertThat(ServerConfig.parseSize("1 GiB")).isEqualTo(1L << 30);
    assertThatThrownBy(() -> ServerConfig.parseSize("-1")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ServerConfig.parseSize("99999999999999999999")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ServerConfig.fromEnv(Map.of("COMFYLITE_MAX_BODY_BYTES", "10")))
        .hasMessageContaining("COMFYLITE_MAX_BODY_BYTES: must be between 1KiB and 1GiB");
  }

  @Test
  void toStringHidesSecrets() {
    ServerConfig config = ServerConfig.fromEnv(
        Map.of("COMFYLITE_API_KEY", "super-secret-key-123", "COMFYLITE_WEBHOOK_SECRET", "another-secret"));
    assertThat(config.toString()).doesNotContain("super-secret-key-123").doesNotContain("another-secret")
        .contains("auth=bearer");
  }

  @Test
  void suggestsOnlyCloseNames() {
    assertThat(ServerConfig.didYouMean("promt", List.of("prompt", "width"))).isEqualTo("prompt");
    assertThat(ServerConfig.didYouMean("zzzzzzzz", List.of("prompt", "width"))).isEmpty();
  }

  private static List<String> address(String value) {
    return List.of(ServerConfig.parseAddress(value));
  }


  @Test
  void webhookAttemptTimeoutAndBackoffAreConfigurable() {
    // The soak found that a receiver which stalls or answers 503 half the time could only be survived with the
    // sender's fixed 30 s attempt timeout and 30 s backoff: deliveries then took minutes.
    ServerConfig defaults = ServerConfig.fromEnv(Map.of());
    assertThat(defaults.webhookTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(defaults.webhookMaxBackoff()).isEqualTo(Duration.ofSeconds(30));

    ServerConfig config = ServerConfig.fromEnv(
        Map.of("COMFYLITE_WEBHOOK_TIMEOUT", "750ms", "COMFYLITE_WEBHOOK_MAX_BACKOFF", "2s"));
    assertThat(config.webhookTimeout()).isEqualTo(Duration.ofMillis(750));
    assertThat(config.webhookMaxBackoff()).isEqualTo(Duration.ofSeconds(2));

    assertThatThrownBy(() -> ServerConfig.fromEnv(Map.of("COMFYLITE_WEBHOOK_TIMEOUT", "0s")))
        .hasMessageContaining("COMFYLITE_WEBHOOK_TIMEOUT").hasMessageContaining("positive");
    assertThatThrownBy(() -> ServerConfig.fromEnv(Map.of("COMFYLITE_WEBHOOK_MAX_BACKOFF", "soon")))
        .hasMessageContaining("COMFYLITE_WEBHOOK_MAX_BACKOFF");
  }
}
