package io.github.comfylite.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DotEnvTest {

  @Test
  void parsesTheOriginalsExampleFile() {
    Map<String, String> vars = DotEnv.parse("COMFYLITE_ADDRESS=:8083\nCOMFYUI_ADDRESS=http://127.0.0.1:8000\n", ".env");
    assertThat(vars).containsExactly(
        Map.entry("COMFYLITE_ADDRESS", ":8083"), Map.entry("COMFYUI_ADDRESS", "http://127.0.0.1:8000"));
  }

  @Test
  void understandsCommentsQuotesAndExport() {
    String content = String.join("\n",
        "\uFEFF# a comment",
        "",
        "export COMFYLITE_ADDRESS = :9000   # inline comment",
        "SINGLE='literal $HOME \\n # not a comment'",
        "DOUBLE=\"line1\\nline2 \\\"quoted\\\"\" # trailing comment",
        "EMPTY=",
        "URL=http://host/#fragment",
        "\tINDENTED=yes\r",
        "DUP=first",
        "DUP=second");
    Map<String, String> vars = DotEnv.parse(content, ".env");
    assertThat(vars).containsEntry("COMFYLITE_ADDRESS", ":9000")
        .containsEntry("SINGLE", "literal $HOME \\n # not a comment")
        .containsEntry("DOUBLE", "line1\nline2 \"quoted\"")
        .containsEntry("EMPTY", "")
        .containsEntry("URL", "http://host/#fragment")
        .containsEntry("INDENTED", "yes")
        .containsEntry("DUP", "second");
  }

  @Test
  void malformedLinesNameFileAndLine() {
    assertThatThrownBy(() -> DotEnv.parse("A=1\njust text\n", "/app/.env"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("/app/.env:2: expected KEY=VALUE, got a line without '='");
    assertThatThrownBy(() -> DotEnv.parse("1BAD=x", ".env")).hasMessageContaining(".env:1: '1BAD' is not a valid");
    assertThatThrownBy(() -> DotEnv.parse("A=\"open", ".env")).hasMessageContaining(".env:1: A has an unterminated");
    assertThatThrownBy(() -> DotEnv.parse("A='x' y", ".env")).hasMessageContaining("unexpected text");
  }

  @Test
  void missingFileIsEmpty(@TempDir Path dir) throws Exception {
    assertThat(DotEnv.load(dir.resolve(".env"))).isEmpty();
  }

  @Test
  void environmentWinsOverFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve(".env");
    Files.writeString(file, "COMFYLITE_ADDRESS=:9000\nCOMFYLITE_MAX_PENDING=5\n");
    Map<String, String> merged = DotEnv.merge(DotEnv.load(file), Map.of("COMFYLITE_ADDRESS", "127.0.0.1:9100"));
    ServerConfig config = ServerConfig.fromEnv(merged);
    assertThat(config.listenHost()).contains("127.0.0.1");
    assertThat(config.listenPort()).isEqualTo(9100);
    assertThat(config.maxPending()).isEqualTo(5);
  }
}
