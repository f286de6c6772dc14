package io.github.comfylite.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class GenerateBodyTest {
  private static final GenerateBody.Limits LIMITS =
      new GenerateBody.Limits(100, 16, 4096, new WebhookPolicy(List.of()));

  @Test
  void parsesTheOriginalsExampleRequest() {
    GenerateBody body = parse("{\"prompt\": \"A futuristic city at sunset, highly detailed, cyberpunk style\","
        + " \"image_count\": 1, \"width\": 450, \"height\": 450, \"webhook_url\": \"http://hooks.local/x?t=1\"}");
    assertThat(body.workflow()).isEmpty();
    assertThat(body.params()).containsExactly(
        java.util.Map.entry("prompt", "A futuristic city at sunset, highly detailed, cyberpunk style"),
        java.util.Map.entry("imageCount", 1),
        java.util.Map.entry("width", 450),
        java.util.Map.entry("height", 450));
    assertThat(body.fields()).containsEntry("imageCount", "image_count");
    assertThat(body.webhook()).contains(URI.create("http://hooks.local/x?t=1"));
  }

  @Test
  void keepsWidthAndHeightApart() {
    GenerateBody body = parse("{\"prompt\":\"p\",\"width\":640,\"height\":384}");
    assertThat(body.params()).containsEntry("width", 640).containsEntry("height", 384);
  }

  @Test
  void passesWorkflowSeedAndFreeParams() {
    GenerateBody body = parse("{\"prompt\":\"p\",\"workflow\":\"flux\",\"seed\":18446744073709551615,"
        + "\"params\":{\"steps\":20,\"cfg\":7.5,\"sampler\":\"euler\",\"hires\":true,\"big\":9007199254740993}}");
    assertThat(body.workflow()).contains("flux");
    assertThat(body.params()).containsEntry("seed", new BigInteger("18446744073709551615"))
        .containsEntry("steps", 20).containsEntry("cfg", 7.5).containsEntry("sampler", "euler")
        .containsEntry("hires", true).containsEntry("big", 9007199254740993L);
    assertThat(body.fields()).containsEntry("steps", "params.steps");
    assertThat(parse("{\"prompt\":\"p\",\"seed\":42}").params()).containsEntry("seed", 42L);
  }

  @Test
  void wellKnownNamesInParamsAreCheckedLikeTopLevelFields() {
    assertThat(parse("{\"params\":{\"prompt\":\"p\",\"width\":512}}").params())
        .containsEntry("prompt", "p").containsEntry("width", 512);
    assertThatThrownBy(() -> parse("{\"params\":{\"width\":\"512\"}}"))
        .hasMessage("params.width must be an integer, got a string");
    assertThatThrownBy(() -> parse("{\"params\":{\"imageCount\":0}}"))
        .hasMessage("params.imageCount must be between 1 and 16, got 0");
  }

  @Test
  void emptyWebhookUrlMeansNoWebhookAsInTheOriginal() {
    assertThat(parse("{\"prompt\":\"p\",\"webhook_url\":\"\"}").webhook()).isEmpty();
  }

  @Test
  void rejectsConflictBetweenFieldAndParams() {
    assertThatThrownBy(() -> parse("{\"params\":{\"imageCount\":2},\"image_count\":3,\"prompt\":\"p\"}"))
        .isInstanceOf(HttpError.class)
        .hasMessage("params.imageCount conflicts with the top-level field 'image_count'; give the value once");
  }

  @Test
  void rejectsUnknownFieldWithSuggestionAndAllowedList() {
    assertThatThrownBy(() -> parse("{\"prompt\":\"p\",\"widht\":5}"))
        .hasMessageStartingWith("unknown field 'widht'; did you mean 'width'? Allowed fields: prompt, image_count");
  }

  @Test
  void errorsAre400AndNeverEchoThePrompt() {
    HttpError e = catchError("{\"prompt\":\"" + "secret words ".repeat(20) + "\"}");
    assertThat(e.status).isEqualTo(400);
    assertThat(e.getMessage()).isEqualTo(
        "prompt is too long: 260 characters, at most 100 allowed (COMFYLITE_MAX_PROMPT_LENGTH)");
    HttpError syntax = catchError("{\"prompt\": \"secret\" \"x\"}");
    assertThat(syntax.getMessage()).startsWith("request body is not valid JSON: ").contains("line 1")
        .doesNotContain("secret");
  }

  @Test
  void countsPromptLengthInCharactersNotBytes() {
    assertThat(parse("{\"prompt\":\"" + "é".repeat(100) + "\"}").params()).containsKey("prompt");
  }

  private static HttpError catchError(String json) {
    try {
      parse(json);
    } catch (HttpError e) {
      return e;
    }
    throw new AssertionError("expected an HttpError for " + json);
  }

  private static GenerateBody parse(String json) {
    return GenerateBody.parse(json.getBytes(StandardCharsets.UTF_8), LIMITS);
  }
}
