package io.github.comfylite.result;

import java.net.URI;
import java.util.Objects;
import okhttp3.HttpUrl;

/**
 * A {@link ResultSink} that POSTs each outcome to one URL through a {@link WebhookSender}. Made by
 * {@link WebhookSender#sink(URI)} or {@link ResultSink#webhook(URI)}.
 *
 * <p>{@link #deliver} only queues the delivery and returns at once; it never throws, not even after the sender is
 * closed (the outcome is then dropped with a WARNING naming the prompt). Retries, signing and logging are the
 * sender's.
 */
public final class WebhookSink implements ResultSink {
  private static final System.Logger LOG = System.getLogger(WebhookSink.class.getName());

  private final WebhookSender sender;
  private final URI url;
  private final HttpUrl httpUrl;

  WebhookSink(WebhookSender sender, URI url, HttpUrl httpUrl) {
    this.sender = Objects.requireNonNull(sender, "sender");
    this.url = Objects.requireNonNull(url, "url");
    this.httpUrl = Objects.requireNonNull(httpUrl, "httpUrl");
  }

  /**
   * The receiver's URL.
   *
   * @return the URL outcomes are posted to, including any query string
   */
  public URI url() {
    return url;
  }

  /** Queues the outcome for delivery and returns at once; never throws. */
  @Override
  public void deliver(Outcome outcome) {
    try {
      sender.send(url, httpUrl, outcome);
    } catch (RuntimeException e) {
      String promptId = outcome == null ? "?" : outcome.promptId();
      LOG.log(System.Logger.Level.WARNING, () -> "Webhook outcome of prompt " + promptId + " for "
          + WebhookSender.loggable(url) + " not delivered: " + e.getMessage());
    }
  }

  @Override
  public String toString() {
    return "WebhookSink{" + WebhookSender.loggable(url) + "}";
  }
}
