package io.github.comfylite.result;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * How one webhook delivery ended: delivered (the receiver answered 2xx) or given up.
 *
 * @param webhookId the {@code webhook-id} header, the same on every attempt of this delivery
 * @param promptId the prompt whose outcome was sent
 * @param url the receiver (may carry a query string; {@link #toString()} leaves it out)
 * @param delivered whether the receiver accepted it with a 2xx status
 * @param attempts how many HTTP requests were started (0 if it was dropped before the first)
 * @param statusCode the status of the last response, empty if the last attempt got none (connection error, timeout)
 * @param failure why it was given up, for example {@code HTTP 400} or {@code timeout}; empty when delivered
 * @param elapsed from the call to {@code send} until the end
 */
public record DeliveryReport(
    String webhookId,
    String promptId,
    URI url,
    boolean delivered,
    int attempts,
    OptionalInt statusCode,
    Optional<String> failure,
    Duration elapsed) {

  /**
   * Checks the components are present.
   *
   * @param webhookId the {@code webhook-id} header, the same on every attempt of this delivery
   * @param promptId the prompt whose outcome was sent
   * @param url the receiver (may carry a query string; {@link #toString()} leaves it out)
   * @param delivered whether the receiver accepted it with a 2xx status
   * @param attempts how many HTTP requests were started (0 if it was dropped before the first)
   * @param statusCode the status of the last response, empty if the last attempt got none (connection error, timeout)
   * @param failure why it was given up, for example {@code HTTP 400} or {@code timeout}; empty when delivered
   * @param elapsed from the call to {@code send} until the end
   */
  public DeliveryReport {
    Objects.requireNonNull(webhookId, "webhookId");
    Objects.requireNonNull(promptId, "promptId");
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(statusCode, "statusCode");
    Objects.requireNonNull(failure, "failure");
    Objects.requireNonNull(elapsed, "elapsed");
  }

  @Override
  public String toString() {
    return "DeliveryReport{" + webhookId + ", prompt " + promptId + ", " + WebhookSender.loggable(url)
        + (delivered ? ", delivered" : ", gave up: " + failure.orElse("?"))
        + ", attempts " + attempts
        + (statusCode.isPresent() ? ", status " + statusCode.getAsInt() : "")
        + ", " + elapsed.toMillis() + " ms}";
  }
}
