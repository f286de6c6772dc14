package io.github.comfylite.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

class WebhookPolicyTest {
  private final WebhookPolicy open = new WebhookPolicy(List.of());
  private final WebhookPolicy restricted =
      new WebhookPolicy(ServerConfig.parseHosts("hooks.example.com,*.internal.example,127.0.0.1,[::1]"));

  @Test
  void acceptsHttpAndHttpsUrls() {
    assertThat(open.check("http://anything:9000/hook?token=1")).isEqualTo(URI.create("http://anything:9000/hook?token=1"));
    assertThat(open.check("HTTPS://Example.com/")).hasHost("Example.com");
  }

  @Test
  void rejectsOtherSchemesAndRelativeUrls() {
    assertThatThrownBy(() -> open.check("ftp://example.com/x")).hasMessageContaining("got scheme 'ftp'");
    assertThatThrownBy(() -> open.check("file:///etc/passwd")).hasMessageContaining("got scheme 'file'");
    assertThatThrownBy(() -> open.check("/relative/path")).hasMessageContaining("got no scheme");
    assertThatThrownBy(() -> open.check("http://")).hasMessageContaining("webhook_url");
    assertThatThrownBy(() -> open.check("http:///nohost")).hasMessageContaining("has no host");
    assertThatThrownBy(() -> open.check("http://exa mple.com/")).hasMessageContaining("not a valid URL");
    assertThatThrownBy(() -> open.check("http://x/" + "a".repeat(3000))).hasMessageContaining("too long");
  }

  @Test
  void allowListMatchesExactHostsAndSubdomains() {
    assertThat(restricted.check("https://HOOKS.example.com/x")).isNotNull();
    assertThat(restricted.check("https://a.b.internal.example:8443/x")).isNotNull();
    assertThat(restricted.check("http://127.0.0.1:1234/")).isNotNull();
    assertThat(restricted.check("http://[::1]:1234/")).isNotNull();
    assertThatThrownBy(() -> restricted.check("https://internal.example/x"))
        .hasMessageContaining("host 'internal.example' is not allowed");
    assertThatThrownBy(() -> restricted.check("https://hooks.example.com.evil.com/x"))
        .hasMessageContaining("is not allowed");
    assertThatThrownBy(() -> restricted.check("https://evilinternal.example/x")).hasMessageContaining("is not allowed");
    assertThatThrownBy(() -> restricted.check("http://169.254.169.254/latest/meta-data"))
        .hasMessageContaining("COMFYLITE_WEBHOOK_ALLOWED_HOSTS");
  }

  @Test
  void redactDropsUserInfoAndQuery() {
    assertThat(WebhookPolicy.redact(URI.create("https://user:pw@h.com:8443/p/q?token=abc")))
        .isEqualTo("https://h.com:8443/p/q");
  }
}
