package io.github.comfylite.result;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs and verifies webhook deliveries the <a href="https://www.standardwebhooks.com/">Standard Webhooks</a> way.
 *
 * <p>The signature is {@code v1,<base64 of HMAC-SHA256(key, id + "." + timestamp + "." + body)>}, sent in the
 * {@code webhook-signature} header beside {@code webhook-id} and {@code webhook-timestamp} (unix seconds). The secret
 * is either {@code whsec_} followed by the base64 key (the usual form, as Standard Webhooks libraries print it) or
 * any other non-empty string, whose UTF-8 bytes are then the key.
 *
 * <p>A receiver checks a delivery like this:
 * <pre>{@code
 * boolean ok = WebhookSignature.verify(secret,
 *     headers.get("webhook-id"), headers.get("webhook-timestamp"), body,
 *     headers.get("webhook-signature"), Duration.ofMinutes(5));
 * }</pre>
 *
 * <p>All methods are thread-safe.
 */
public final class WebhookSignature {
  private static final String SECRET_PREFIX = "whsec_";
  private static final String ALGORITHM = "HmacSHA256";

  private WebhookSignature() {}

  /**
   * The {@code webhook-signature} header value for one delivery.
   *
   * @param secret the shared secret ({@code whsec_<base64>} or raw)
   * @param id the {@code webhook-id}
   * @param timestamp the {@code webhook-timestamp}, in unix seconds
   * @param body the exact request body
   * @return {@code v1,<base64 signature>}
   * @throws IllegalArgumentException if the secret is empty or its {@code whsec_} part is not base64
   */
  public static String sign(String secret, String id, long timestamp, byte[] body) {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(body, "body");
    Mac mac = start(key(secret), id, Long.toString(timestamp));
    mac.update(body);
    return "v1," + Base64.getEncoder().encodeToString(mac.doFinal());
  }

  /**
   * Checks that a delivery was signed with {@code secret} and is recent.
   *
   * @param secret the shared secret ({@code whsec_<base64>} or raw)
   * @param id the {@code webhook-id} header
   * @param timestamp the {@code webhook-timestamp} header (unix seconds)
   * @param body the exact request body as received
   * @param signatureHeader the {@code webhook-signature} header: one or more space-separated {@code v1,<base64>}
   * @param tolerance how far the timestamp may be from this machine's clock, either way (Standard Webhooks suggests
   *     five minutes); this stops replays of old deliveries
   * @return whether one of the {@code v1} signatures matches and the timestamp is within tolerance
   * @throws IllegalArgumentException if the secret is empty or its {@code whsec_} part is not base64
   */
  public static boolean verify(
      String secret, String id, String timestamp, byte[] body, String signatureHeader, Duration tolerance) {
    return verify(secret, id, timestamp, body, signatureHeader, tolerance, Clock.systemUTC().instant());
  }

  static boolean verify(
      String secret, String id, String timestamp, byte[] body, String signatureHeader, Duration tolerance,
      Instant now) {
    byte[] key = key(secret);
    Objects.requireNonNull(tolerance, "tolerance");
    if (id == null || timestamp == null || body == null || signatureHeader == null) {
      return false;
    }
    long seconds;
    try {
      seconds = Long.parseLong(timestamp.trim());
    } catch (NumberFormatException e) {
      return false;
    }
    if (Math.abs(now.getEpochSecond() - seconds) > tolerance.toSeconds()) {
      return false;
    }
    Mac mac = start(key, id, timestamp.trim());
    mac.update(body);
    byte[] expected = mac.doFinal();
    for (String candidate : signatureHeader.trim().split(" +")) {
      if (!candidate.startsWith("v1,")) {
        continue;
      }
      byte[] given;
      try {
        given = Base64.getDecoder().decode(candidate.substring(3));
      } catch (IllegalArgumentException e) {
        continue;
      }
      if (MessageDigest.isEqual(expected, given)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The signature of a payload, computed by streaming it through the MAC (the body is never held in memory).
   */
  static String sign(byte[] key, String id, long timestamp, WebhookPayload payload) {
    Mac mac = start(key, id, Long.toString(timestamp));
    try {
      payload.writeTo(new OutputStream() {
        @Override
        public void write(int b) {
          mac.update((byte) b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
          mac.update(b, off, len);
        }
      });
    } catch (IOException e) {
      // Writing to a MAC cannot fail; keep the compiler honest without hiding a real bug.
      throw new UncheckedIOException(e);
    }
    return "v1," + Base64.getEncoder().encodeToString(mac.doFinal());
  }

  /**
   * The HMAC key of a secret.
   *
   * @throws IllegalArgumentException if the secret is empty or its {@code whsec_} part is not base64
   */
  static byte[] key(String secret) {
    Objects.requireNonNull(secret, "secret");
    if (secret.startsWith(SECRET_PREFIX)) {
      byte[] key;
      try {
        key = Base64.getDecoder().decode(secret.substring(SECRET_PREFIX.length()));
      } catch (IllegalArgumentException e) {
        // Never echo the secret itself.
        throw new IllegalArgumentException("webhook secret starts with 'whsec_' but the rest is not base64", e);
      }
      if (key.length == 0) {
        throw new IllegalArgumentException("webhook secret 'whsec_' has an empty key");
      }
      return key;
    }
    if (secret.isEmpty()) {
      throw new IllegalArgumentException("webhook secret must not be empty; use 'whsec_<base64 key>' or a raw string");
    }
    return secret.getBytes(StandardCharsets.UTF_8);
  }

  private static Mac start(byte[] key, String id, String timestamp) {
    Mac mac;
    try {
      mac = Mac.getInstance(ALGORITHM);
      mac.init(new SecretKeySpec(key, ALGORITHM));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      // Every Java platform must provide HmacSHA256, and any non-empty key is valid for it.
      throw new IllegalStateException("HmacSHA256 is unavailable", e);
    }
    mac.update((id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
    return mac;
  }
}
