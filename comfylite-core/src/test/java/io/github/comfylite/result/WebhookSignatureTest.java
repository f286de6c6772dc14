package io.github.comfylite.result;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class WebhookSignatureTest {
  // The example from the Standard Webhooks specification.
  private static final String SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  private static final String SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
  private static final String SPEC_TIMESTAMP = "1614265330";
  private static final byte[] SPEC_BODY = "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8);
  private static final String SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
  private static final Instant SPEC_NOW = Instant.ofEpochSecond(1614265330);

  @Test
  void signMatchesTheStandardWebhooksExample() {
    assertThat(WebhookSignature.sign(SPEC_SECRET, SPEC_ID, 1614265330L, SPEC_BODY)).isEqualTo(SPEC_SIGNATURE);
  }

  @Test
  void verifyAcceptsAnyMatchingSignatureAmongSeveral() {
    String header = "v1,bm90IGl0 v2,whatever " + SPEC_SIGNATURE;

    assertThat(WebhookSignature.verify(SPEC_SECRET, SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY, header,
        Duration.ofMinutes(5), SPEC_NOW.plusSeconds(60))).isTrue();
  }

  @Test
  void verifyRejectsTamperingWrongSecretAndStaleTimestamps() {
    Duration tolerance = Duration.ofMinutes(5);
    byte[] tampered = "{\"test\": 2432232315}".getBytes(StandardCharsets.UTF_8);

    assertThat(WebhookSignature.verify(SPEC_SECRET, SPEC_ID, SPEC_TIMESTAMP, tampered, SPEC_SIGNATURE, tolerance,
        SPEC_NOW)).isFalse();
    assertThat(WebhookSignature.verify(SPEC_SECRET, "msg_other", SPEC_TIMESTAMP, SPEC_BODY, SPEC_SIGNATURE,
        tolerance, SPEC_NOW)).isFalse();
    assertThat(WebhookSignature.verify("whsec_" + Base64.getEncoder().encodeToString(new byte[24]), SPEC_ID,
        SPEC_TIMESTAMP, SPEC_BODY, SPEC_SIGNATURE, tolerance, SPEC_NOW)).isFalse();
    assertThat(WebhookSignature.verify(SPEC_SECRET, SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY, SPEC_SIGNATURE, tolerance,
        SPEC_NOW.plus(Duration.ofMinutes(6)))).isFalse();
    assertThat(WebhookSignature.verify(SPEC_SECRET, SPEC_ID, "not-a-number", SPEC_BODY, SPEC_SIGNATURE, tolerance,
        SPEC_NOW)).isFalse();
    assertThat(WebhookSignature.verify(SPEC_SECRET, SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY, null, tolerance,
        SPEC_NOW)).isFalse();
  }

  @Test
  void rawSecretUsesItsUtf8Bytes() {
    String viaRaw = WebhookSignature.sign("correct horse", "msg_1", 5, SPEC_BODY);
    String viaBase64 = WebhookSignature.sign(
        "whsec_" + Base64.getEncoder().encodeToString("correct horse".getBytes(StandardCharsets.UTF_8)),
        "msg_1", 5, SPEC_BODY);

    assertThat(viaRaw).isEqualTo(viaBase64);
  }

  @Test
  void streamingSignatureEqualsSignatureOfTheWrittenBody() throws Exception {
    WebhookPayload payload = WebhookPayload.of(WebhookSenderTest.success("p", WebhookSenderTest.png(50_001, 1)));
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    payload.writeTo(body);

    String streamed = WebhookSignature.sign(WebhookSignature.key(SPEC_SECRET), "msg_x", 42, payload);

    assertThat(streamed).isEqualTo(WebhookSignature.sign(SPEC_SECRET, "msg_x", 42, body.toByteArray()));
  }

  @Test
  void rejectsEmptyOrMalformedSecretsWithoutEchoingThem() {
    assertThatThrownBy(() -> WebhookSignature.key(""))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty");
    assertThatThrownBy(() -> WebhookSignature.key("whsec_!!not*base64"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not base64")
        .hasMessageNotContaining("!!not*base64");
  }
}
