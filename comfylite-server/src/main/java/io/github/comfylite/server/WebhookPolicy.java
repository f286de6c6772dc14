package io.github.comfylite.server;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;

/**
 * Which webhook URLs the server will call: absolute {@code http}/{@code https} URLs with a host, and, when an
 * allow-list is configured ({@code COMFYLITE_WEBHOOK_ALLOWED_HOSTS}), only hosts on it. An entry is an exact host
 * ({@code hooks.example.com}) or {@code *.example.com}, which matches any subdomain but not {@code example.com}
 * itself. Matching is case-insensitive and ignores the port.
 *
 * <p>Without an allow-list, any client that can call {@code /generate} can make the server POST to any address it can
 * reach, internal ones included; production deployments should set one.
 */
final class WebhookPolicy {
  static final int MAX_URL_LENGTH = 2048;

  private final List<String> allowedHosts;

  WebhookPolicy(List<String> allowedHosts) {
    this.allowedHosts = List.copyOf(allowedHosts);
  }

  /**
   * Checks a webhook URL.
   *
   * @return the parsed URL
   * @throws HttpError 400 saying what is wrong; the message never repeats the query string
   */
  URI check(String url) {
    if (url.length() > MAX_URL_LENGTH) {
      throw HttpError.badRequest("webhook_url is too long: " + url.length() + " characters, at most "
          + MAX_URL_LENGTH);
    }
    URI uri;
    try {
      uri = new URI(url.strip());
    } catch (URISyntaxException e) {
      throw HttpError.badRequest("webhook_url is not a valid URL: " + e.getReason() + " at index " + e.getIndex());
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw HttpError.badRequest("webhook_url must be an absolute http:// or https:// URL, got "
          + (scheme.isEmpty() ? "no scheme" : "scheme '" + WorkflowNames.printable(scheme) + "'"));
    }
    String host = uri.getHost();
    if (host == null || host.isEmpty()) {
      throw HttpError.badRequest("webhook_url has no host (or an invalid one)");
    }
    if (!allowed(host)) {
      throw HttpError.badRequest("webhook_url host '" + WorkflowNames.printable(host)
          + "' is not allowed; allowed hosts: " + String.join(", ", allowedHosts)
          + " (COMFYLITE_WEBHOOK_ALLOWED_HOSTS)");
    }
    return uri;
  }

  boolean allowed(String host) {
    if (allowedHosts.isEmpty()) {
      return true;
    }
    String h = host.toLowerCase(Locale.ROOT);
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    if (h.endsWith(".")) {
      h = h.substring(0, h.length() - 1);
    }
    for (String entry : allowedHosts) {
      if (entry.startsWith("*.") ? h.endsWith(entry.substring(1)) && h.length() > entry.length() - 1
          : h.equals(entry)) {
        return true;
      }
    }
    return false;
  }

  /** A URL fit for logs: scheme, host, port and path, without user info or query string. */
  static String redact(URI uri) {
    return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() >= 0 ? ":" + uri.getPort() : "")
        + (uri.getRawPath() == null ? "" : uri.getRawPath());
  }
}
