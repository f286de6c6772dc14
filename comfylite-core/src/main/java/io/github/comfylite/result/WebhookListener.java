package io.github.comfylite.result;

import java.net.URI;
import java.time.Duration;

/**
 * Observes webhook deliveries, for metrics and tests. All methods default to doing nothing.
 *
 * <p>Called on OkHttp's dispatcher threads or on {@code comfylite-webhooks} threads. Implementations must return
 * quickly and should not throw; an exception is logged at WARNING and does not affect the delivery.
 */
public interface WebhookListener {
  /** A listener that ignores everything. */
  WebhookListener NONE = new WebhookListener() {};

  /**
   * An attempt failed in a way worth retrying, and another attempt is scheduled.
   *
   * @param webhookId the delivery's {@code webhook-id}
   * @param promptId the prompt whose outcome is being sent
   * @param url the receiver (may carry a query string: do not log it as is)
   * @param attempt the number of the attempt that failed, from 1
   * @param reason why it failed, for example {@code HTTP 503} or {@code timeout}
   * @param delay how long until the next attempt
   */
  default void onRetry(String webhookId, String promptId, URI url, int attempt, String reason, Duration delay) {}

  /**
   * The receiver accepted a delivery with a 2xx status.
   *
   * @param report how it went
   */
  default void onDelivered(DeliveryReport report) {}

  /**
   * A delivery was given up: a non-retryable status, or attempts, total time or the close grace ran out.
   *
   * @param report how it went
   */
  default void onGaveUp(DeliveryReport report) {}
}
