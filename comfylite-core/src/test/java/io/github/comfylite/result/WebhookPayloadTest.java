package io.github.comfylite.result;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class WebhookPayloadTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private static byte[] write(WebhookPayload payload) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    payload.writeTo(out);
    return out.toByteArray();
  }

  @Test
  void contentLengthIsExactForEveryPaddingCase() throws IOException {
    for (int size = 0; size <= 7; size++) {
      byte[] image = WebhookSenderTest.png(size, size);
      WebhookPayload payload = WebhookPayload.of(WebhookSenderTest.success("p", image, image));

      byte[] body = write(payload);

      assertThat(payload.contentLength()).as("size %d", size).isEqualTo(body.length);
      JsonNode json = MAPPER.readTree(body);
      assertThat(Base64.getDecoder().decode(json.get("images").get(1).asText())).isEqualTo(image);
    }
  }

  @Test
  void smallImagesEncodedInOneGoAndLargeOnesStreamedGiveTheSameBase64() throws IOException {
    // Around the 6 KB switch between the two encoders, each with every padding case, and a large image.
    int[] sizes = {6 * 1024 - 2, 6 * 1024 - 1, 6 * 1024, 6 * 1024 + 1, 6 * 1024 + 2, 6 * 1024 + 3, 1 << 20};
    byte[][] images = new byte[sizes.length][];
    for (int i = 0; i < sizes.length; i++) {
      images[i] = WebhookSenderTest.png(sizes[i], i);
    }
    WebhookPayload payload = WebhookPayload.of(WebhookSenderTest.success("p", images));

    byte[] body = write(payload);

    assertThat(payload.contentLength()).isEqualTo(body.length);
    JsonNode encoded = MAPPER.readTree(body).get("images");
    for (int i = 0; i < sizes.length; i++) {
      assertThat(encoded.get(i).asText()).as("size %d", sizes[i]).isEqualTo(Base64.getEncoder().encodeToString(images[i]));
    }
  }

  @Test
  void successWithoutImagesHasEmptyImageList() throws IOException {
    WebhookPayload payload = WebhookPayload.of(WebhookSenderTest.success("p-0"));

    byte[] body = write(payload);

    assertThat(new String(body, StandardCharsets.UTF_8)).isEqualTo(
        "{\"status\":\"success\",\"prompt_id\":\"p-0\",\"images\":[],\"workflow\":\"starter\",\"mime_types\":[]}");
    assertThat(payload.contentLength()).isEqualTo(body.length);
  }

  @Test
  void successBodyIsTheOriginalShapeByteForByte() throws IOException {
    byte[] image = {(byte) 0xff, (byte) 0xd8, (byte) 0xff, 1};

    byte[] body = write(WebhookPayload.of(WebhookSenderTest.success("a1b2", image)));

    assertThat(new String(body, StandardCharsets.UTF_8)).isEqualTo("{\"status\":\"success\",\"prompt_id\":\"a1b2\","
        + "\"images\":[\"" + Base64.getEncoder().encodeToString(image) + "\"],\"workflow\":\"starter\","
        + "\"mime_types\":[\"image/jpeg\"]}");
  }

  @Test
  void failureEscapesStringsAndOmitsAbsentNode() throws IOException {
    Outcome failed = new Outcome.Failed("p\"1", "starter", FailureKind.LOST, "tab\there \\ \u0001 ✓",
        Optional.empty(), Optional.empty(), null);
    WebhookPayload payload = WebhookPayload.of(failed);

    byte[] body = write(payload);

    assertThat(payload.contentLength()).isEqualTo(body.length);
    JsonNode json = MAPPER.readTree(body);
    assertThat(json.get("prompt_id").asText()).isEqualTo("p\"1");
    assertThat(json.get("error").asText()).isEqualTo("tab\there \\ \u0001 ✓");
    assertThat(json.get("kind").asText()).isEqualTo("lost");
    assertThat(json.has("node_id")).isFalse();
    assertThat(json.has("node_type")).isFalse();
  }

  @Test
  void writingTwiceGivesTheSameBytes() throws IOException {
    WebhookPayload payload = WebhookPayload.of(WebhookSenderTest.success("p", WebhookSenderTest.png(10_000, 9)));

    assertThat(write(payload)).isEqualTo(write(payload));
  }
}
