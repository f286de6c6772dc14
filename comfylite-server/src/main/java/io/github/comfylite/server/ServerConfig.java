package io.github.comfylite.server;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The server's settings, read from environment variables by {@link #fromEnv(Map)}.
 *
 * <pre>{@code
 * ServerConfig config = ServerConfig.fromEnv(System.getenv());
 * try (ComfyLiteServer server = ComfyLiteServer.builder().config(config).buildAndStart()) { ... }
 * }</pre>
 *
 * <p>Every variable, its default and its syntax is listed in {@link #VARIABLES} and in the README. The defaults of
 * {@code COMFYLITE_ADDRESS} ({@code :8083}) and {@code COMFYUI_ADDRESS} ({@code http://127.0.0.1:8000}) are the
 * original program's. Instances are immutable.
 */
public final class ServerConfig {
  /** The {@code COMFYUI_ADDRESS} value (or {@code --demo}) that serves from an embedded fake ComfyUI. */
  public static final String DEMO = "demo";

  /**
   * Every variable {@link #fromEnv} reads, with a one-line description including its default. Any other
   * {@code COMFYLITE_*} variable is rejected as a probable typo.
   */
  public static final Map<String, String> VARIABLES = variables();

  private static final Pattern DURATION_PART = Pattern.compile("(\\d+)(ms|s|m|h|d)");
  private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(|b|k|kb|kib|m|mb|mib|g|gb|gib)");
  private static final Pattern HOST_PATTERN =
      Pattern.compile("(\\*\\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*");
  private static final Pattern IPV6 = Pattern.compile("[0-9a-f:.]+");

  private final Optional<String> listenHost;
  private final int listenPort;
  private final Optional<URI> comfyUrl;
  private final Path templatesDir;
  private final Path configsDir;
  private final boolean workflowDirsConfigured;
  private final String defaultWorkflow;
  private final boolean defaultWorkflowConfigured;
  private final Optional<String> apiKey;
  private final Optional<String> webhookSecret;
  private final List<String> webhookAllowedHosts;
  private final int webhookMaxAttempts;
  private final Duration webhookTimeout;
  private final Duration webhookMaxBackoff;
  private final Duration promptTimeout;
  private final int maxPending;
  private final long maxBodyBytes;
  private final int maxPromptLength;
  private final int maxImageCount;
  private final int maxImageSize;
  private final int threads;
  private final int promptHistory;
  private final long resultCacheBytes;

  private ServerConfig(Reader r) {
    String address = r.get("COMFYLITE_ADDRESS", ":8083");
    Optional<String> host = Optional.empty();
    int port = 8083;
    try {
      String[] hostPort = parseAddress(address);
      host = hostPort[0].isEmpty() ? Optional.empty() : Optional.of(hostPort[0]);
      port = Integer.parseInt(hostPort[1]);
    } catch (IllegalArgumentException e) {
      r.problem("COMFYLITE_ADDRESS", e.getMessage());
    }
    listenHost = host;
    listenPort = port;

    String comfy = r.get("COMFYUI_ADDRESS", "http://127.0.0.1:8000");
    Optional<URI> url = Optional.empty();
    if (!comfy.equalsIgnoreCase(DEMO)) {
      try {
        url = Optional.of(parseComfyUrl(comfy));
      } catch (IllegalArgumentException e) {
        r.problem("COMFYUI_ADDRESS", e.getMessage());
      }
    }
    comfyUrl = url;

    workflowDirsConfigured = r.isSet("COMFYLITE_TEMPLATES_DIR") || r.isSet("COMFYLITE_CONFIGS_DIR");
    templatesDir = r.parse("COMFYLITE_TEMPLATES_DIR", "templates", ServerConfig::parsePath, Path.of("templates"));
    configsDir = r.parse("COMFYLITE_CONFIGS_DIR", "configs", ServerConfig::parsePath, Path.of("configs"));
    defaultWorkflowConfigured = r.isSet("COMFYLITE_DEFAULT_WORKFLOW");
    defaultWorkflow = r.parse("COMFYLITE_DEFAULT_WORKFLOW", "starter", ServerConfig::parseWorkflowName, "starter");
    apiKey = r.secret("COMFYLITE_API_KEY", 16);
    webhookSecret = r.secret("COMFYLITE_WEBHOOK_SECRET", 1);
    webhookAllowedHosts =
        r.parse("COMFYLITE_WEBHOOK_ALLOWED_HOSTS", "", ServerConfig::parseHosts, List.of());
    webhookMaxAttempts = r.integer("COMFYLITE_WEBHOOK_MAX_ATTEMPTS", 10, 1, 100);
    webhookTimeout = r.parse("COMFYLITE_WEBHOOK_TIMEOUT", "30s", ServerConfig::parseDuration, Duration.ofSeconds(30));
    webhookMaxBackoff =
        r.parse("COMFYLITE_WEBHOOK_MAX_BACKOFF", "30s", ServerConfig::parseDuration, Duration.ofSeconds(30));
    promptTimeout = r.parse("COMFYLITE_PROMPT_TIMEOUT", "10m", ServerConfig::parseDuration, Duration.ofMinutes(10));
    maxPending = r.integer("COMFYLITE_MAX_PENDING", 256, 1, 1_000_000);
    maxBodyBytes = r.parse("COMFYLITE_MAX_BODY_BYTES", "1MiB", ServerConfig::parseSize, 1L << 20);
    if (maxBodyBytes < 1024 || maxBodyBytes > (1L << 30)) {
      r.problem("COMFYLITE_MAX_BODY_BYTES", "must be between 1KiB and 1GiB, got " + maxBodyBytes + " bytes");
    }
    maxPromptLength = r.integer("COMFYLITE_MAX_PROMPT_LENGTH", 10_000, 1, 10_000_000);
    maxImageCount = r.integer("COMFYLITE_MAX_IMAGE_COUNT", 64, 1, 4096);
    maxImageSize = r.integer("COMFYLITE_MAX_IMAGE_SIZE", 8192, 16, 16384);
    threads = r.integer("COMFYLITE_THREADS", 16, 1, 1024);
    promptHistory = r.integer("COMFYLITE_PROMPT_HISTORY", 10_000, 1, 10_000_000);
    resultCacheBytes = r.parse("COMFYLITE_RESULT_CACHE_BYTES", "256MiB", ServerConfig::parseSize, 256L << 20);
  }

  /**
   * Reads the configuration from environment variables. A pure function: it reads nothing but {@code env} (no files,
   * no network, no system properties). Variables set to an empty string count as unset, except the secrets
   * ({@code COMFYLITE_API_KEY}, {@code COMFYLITE_WEBHOOK_SECRET}), where an empty value is an error so that an
   * unset shell variable never silently turns authentication off.
   *
   * @param env the variables, e.g. {@code System.getenv()} merged over a {@code .env} file
   * @return the configuration
   * @throws IllegalArgumentException listing every problem, each naming its variable: a malformed or out-of-range
   *     value, or an unknown {@code COMFYLITE_*} variable (with a "did you mean")
   */
  public static ServerConfig fromEnv(Map<String, String> env) {
    Objects.requireNonNull(env, "env");
    Reader reader = new Reader(env);
    ServerConfig config = new ServerConfig(reader);
    for (String key : new TreeMap<>(env).keySet()) {
      if (key.startsWith("COMFYLITE_") && !VARIABLES.containsKey(key)) {
        String suggestion = didYouMean(key, VARIABLES.keySet());
        reader.problem(key, "unknown variable" + (suggestion.isEmpty() ? "" : "; did you mean " + suggestion + "?")
            + " Known variables: " + String.join(", ", VARIABLES.keySet()));
      }
    }
    if (!reader.problems.isEmpty()) {
      throw new IllegalArgumentException("invalid configuration:\n  " + String.join("\n  ", reader.problems));
    }
    return config;
  }

  /**
   * The host or IP address to listen on; empty means all interfaces ({@code COMFYLITE_ADDRESS=:8083}).
   *
   * @return the host from {@code COMFYLITE_ADDRESS}, or empty for all interfaces
   */
  public Optional<String> listenHost() {
    return listenHost;
  }

  /**
   * The TCP port to listen on; 0 picks a free port (see {@link ComfyLiteServer#port()}).
   *
   * @return the port from {@code COMFYLITE_ADDRESS}; defaults to 8083
   */
  public int listenPort() {
    return listenPort;
  }

  /**
   * The ComfyUI base URL; empty in demo mode.
   *
   * @return {@code COMFYUI_ADDRESS} as a URL; defaults to {@code http://127.0.0.1:8000}
   */
  public Optional<URI> comfyUrl() {
    return comfyUrl;
  }

  /**
   * Whether to serve from an embedded fake ComfyUI ({@code COMFYUI_ADDRESS=demo}).
   *
   * @return true when {@code COMFYUI_ADDRESS} is {@code demo}; {@link #comfyUrl()} is then empty
   */
  public boolean demo() {
    return comfyUrl.isEmpty();
  }

  /**
   * The directory of workflow templates (ComfyUI API-format JSON).
   *
   * @return {@code COMFYLITE_TEMPLATES_DIR}; defaults to {@code templates}
   */
  public Path templatesDir() {
    return templatesDir;
  }

  /**
   * The directory of workflow mappings (YAML).
   *
   * @return {@code COMFYLITE_CONFIGS_DIR}; defaults to {@code configs}
   */
  public Path configsDir() {
    return configsDir;
  }

  /**
   * Whether either workflow directory was set explicitly. When neither was and {@code templates/} does not exist in
   * the working directory, the server uses the workflows bundled in its jar.
   *
   * @return true if {@code COMFYLITE_TEMPLATES_DIR} or {@code COMFYLITE_CONFIGS_DIR} is set
   */
  public boolean workflowDirsConfigured() {
    return workflowDirsConfigured;
  }

  /**
   * The workflow a {@code /generate} request without a {@code workflow} field uses.
   *
   * @return {@code COMFYLITE_DEFAULT_WORKFLOW}; defaults to {@code starter}
   */
  public String defaultWorkflow() {
    return defaultWorkflow;
  }

  /**
   * Whether {@code COMFYLITE_DEFAULT_WORKFLOW} was set (then it must exist at start-up).
   *
   * @return true if the variable is set, even to the default's name
   */
  public boolean defaultWorkflowConfigured() {
    return defaultWorkflowConfigured;
  }

  /**
   * The bearer token clients must send; empty means no authentication.
   *
   * @return {@code COMFYLITE_API_KEY} (at least 16 characters), or empty
   */
  public Optional<String> apiKey() {
    return apiKey;
  }

  /**
   * The Standard Webhooks signing secret; empty means webhooks are not signed.
   *
   * @return {@code COMFYLITE_WEBHOOK_SECRET}, or empty
   */
  public Optional<String> webhookSecret() {
    return webhookSecret;
  }

  /**
   * Hosts webhook URLs may point at: exact names or {@code *.suffix}; empty allows any host.
   *
   * @return {@code COMFYLITE_WEBHOOK_ALLOWED_HOSTS}, lower-cased; an unmodifiable list
   */
  public List<String> webhookAllowedHosts() {
    return webhookAllowedHosts;
  }

  /**
   * How many times a webhook delivery is attempted before giving up.
   *
   * @return {@code COMFYLITE_WEBHOOK_MAX_ATTEMPTS}, 1 to 100; defaults to 10
   */
  public int webhookMaxAttempts() {
    return webhookMaxAttempts;
  }

  /**
   * How long one webhook attempt (the whole HTTP exchange) may take before it counts as a timeout and is retried.
   *
   * @return {@code COMFYLITE_WEBHOOK_TIMEOUT}; defaults to 30 seconds
   */
  public Duration webhookTimeout() {
    return webhookTimeout;
  }

  /**
   * The longest wait between two webhook attempts (the wait starts at 500 ms, or this if shorter, and doubles, with
   * jitter); also caps a receiver's {@code Retry-After}.
   *
   * @return {@code COMFYLITE_WEBHOOK_MAX_BACKOFF}; defaults to 30 seconds
   */
  public Duration webhookMaxBackoff() {
    return webhookMaxBackoff;
  }

  /**
   * How long a prompt may take, from submission to its outcome, before it fails with a timeout.
   *
   * @return {@code COMFYLITE_PROMPT_TIMEOUT}; defaults to 10 minutes
   */
  public Duration promptTimeout() {
    return promptTimeout;
  }

  /**
   * How many unfinished prompts the server accepts before {@code /generate} answers 429.
   *
   * @return {@code COMFYLITE_MAX_PENDING}; defaults to 256
   */
  public int maxPending() {
    return maxPending;
  }

  /**
   * The largest request body accepted; larger bodies get 413.
   *
   * @return {@code COMFYLITE_MAX_BODY_BYTES}, 1 KiB to 1 GiB; defaults to 1 MiB
   */
  public long maxBodyBytes() {
    return maxBodyBytes;
  }

  /**
   * The longest prompt accepted, in characters (Unicode code points).
   *
   * @return {@code COMFYLITE_MAX_PROMPT_LENGTH}; defaults to 10000
   */
  public int maxPromptLength() {
    return maxPromptLength;
  }

  /**
   * The largest {@code image_count} accepted.
   *
   * @return {@code COMFYLITE_MAX_IMAGE_COUNT}, 1 to 4096; defaults to 64
   */
  public int maxImageCount() {
    return maxImageCount;
  }

  /**
   * The largest {@code width} or {@code height} accepted, in pixels.
   *
   * @return {@code COMFYLITE_MAX_IMAGE_SIZE}, 16 to 16384; defaults to 8192
   */
  public int maxImageSize() {
    return maxImageSize;
  }

  /**
   * The number of threads serving HTTP requests.
   *
   * @return {@code COMFYLITE_THREADS}, 1 to 1024; defaults to 16
   */
  public int threads() {
    return threads;
  }

  /**
   * How many submitted prompts {@code GET /prompts/{id}} remembers (least recently used are forgotten).
   *
   * @return {@code COMFYLITE_PROMPT_HISTORY}; defaults to 10000
   */
  public int promptHistory() {
    return promptHistory;
  }

  /**
   * How many bytes of finished prompts' images are kept for {@code GET /prompts/{id}} (oldest dropped first).
   *
   * @return {@code COMFYLITE_RESULT_CACHE_BYTES}; defaults to 256 MiB
   */
  public long resultCacheBytes() {
    return resultCacheBytes;
  }

  /** The configuration without secrets, for logs. */
  @Override
  public String toString() {
    return "ServerConfig{address=" + listenHost.orElse("") + ":" + listenPort
        + ", comfyui=" + comfyUrl.map(URI::toString).orElse(DEMO)
        + ", templates=" + templatesDir + ", configs=" + configsDir + ", defaultWorkflow=" + defaultWorkflow
        + ", auth=" + (apiKey.isPresent() ? "bearer" : "none")
        + ", webhookSigning=" + webhookSecret.isPresent() + ", webhookAllowedHosts=" + webhookAllowedHosts
        + ", promptTimeout=" + promptTimeout + ", maxPending=" + maxPending + ", maxBodyBytes=" + maxBodyBytes
        + ", threads=" + threads + "}";
  }

  private static Map<String, String> variables() {
    Map<String, String> v = new java.util.LinkedHashMap<>();
    v.put("COMFYLITE_ADDRESS", "where to listen: ':PORT' (all interfaces), 'HOST:PORT' or '[IPv6]:PORT'; default :8083");
    v.put("COMFYUI_ADDRESS", "ComfyUI's base URL, or 'demo' for an embedded fake; default http://127.0.0.1:8000");
    v.put("COMFYLITE_TEMPLATES_DIR", "directory of workflow templates (API-format JSON); default templates");
    v.put("COMFYLITE_CONFIGS_DIR", "directory of workflow mappings (YAML); default configs");
    v.put("COMFYLITE_DEFAULT_WORKFLOW", "workflow used when a request names none; default starter");
    v.put("COMFYLITE_API_KEY", "bearer token required on every route but /health and /ready; default none (open)");
    v.put("COMFYLITE_WEBHOOK_SECRET", "Standard Webhooks signing secret; default none (unsigned)");
    v.put("COMFYLITE_WEBHOOK_ALLOWED_HOSTS", "comma-separated hosts webhooks may target, 'host' or '*.domain';"
        + " default any");
    v.put("COMFYLITE_WEBHOOK_MAX_ATTEMPTS", "webhook delivery attempts before giving up; default 10");
    v.put("COMFYLITE_WEBHOOK_TIMEOUT", "longest one webhook attempt may take before it is retried; default 30s");
    v.put("COMFYLITE_WEBHOOK_MAX_BACKOFF", "longest wait between webhook attempts (starts at 500ms, doubles);"
        + " default 30s");
    v.put("COMFYLITE_PROMPT_TIMEOUT", "how long a prompt may take, e.g. 90s, 10m, 1h30m, PT10M; default 10m");
    v.put("COMFYLITE_MAX_PENDING", "unfinished prompts before /generate answers 429; default 256");
    v.put("COMFYLITE_MAX_BODY_BYTES", "largest request body, e.g. 1048576, 512KiB, 1MiB; default 1MiB");
    v.put("COMFYLITE_MAX_PROMPT_LENGTH", "longest prompt in characters; default 10000");
    v.put("COMFYLITE_MAX_IMAGE_COUNT", "largest image_count; default 64");
    v.put("COMFYLITE_MAX_IMAGE_SIZE", "largest width or height in pixels (16..16384); default 8192");
    v.put("COMFYLITE_THREADS", "HTTP worker threads; default 16");
    v.put("COMFYLITE_PROMPT_HISTORY", "prompts remembered for GET /prompts/{id}; default 10000");
    v.put("COMFYLITE_RESULT_CACHE_BYTES", "image bytes kept for GET /prompts/{id}; default 256MiB");
    return java.util.Collections.unmodifiableMap(v);
  }

  /** Splits {@code :8083}, {@code host:8083}, {@code [::1]:8083} or {@code 8083} into host (maybe empty) and port. */
  static String[] parseAddress(String value) {
    String host;
    String port;
    if (value.startsWith("[")) {
      int close = value.indexOf(']');
      if (close < 0 || close + 1 >= value.length() || value.charAt(close + 1) != ':') {
        throw new IllegalArgumentException("expected '[IPv6]:PORT', got '" + value + "'");
      }
      host = value.substring(1, close);
      port = value.substring(close + 2);
      if (host.isEmpty() || !IPV6.matcher(host.toLowerCase(Locale.ROOT)).matches()) {
        throw new IllegalArgumentException("'" + host + "' is not an IPv6 address");
      }
    } else if (value.chars().allMatch(Character::isDigit)) {
      host = "";
      port = value;
    } else {
      int colon = value.lastIndexOf(':');
      if (colon < 0) {
        throw new IllegalArgumentException(
            "expected ':PORT', 'HOST:PORT' or '[IPv6]:PORT' (e.g. ':8083'), got '" + value + "'");
      }
      host = value.substring(0, colon);
      port = value.substring(colon + 1);
      if (host.indexOf(':') >= 0) {
        throw new IllegalArgumentException("write IPv6 addresses in brackets, e.g. '[::1]:8083', got '" + value + "'");
      }
      if (!host.isEmpty() && !HOST_PATTERN.matcher(host.toLowerCase(Locale.ROOT)).matches()) {
        throw new IllegalArgumentException("'" + host + "' is not a valid host name or address");
      }
    }
    if (port.isEmpty() || port.length() > 5 || !port.chars().allMatch(Character::isDigit)
        || Integer.parseInt(port) > 65535) {
      throw new IllegalArgumentException("port must be a number from 0 to 65535, got '" + port + "' in '" + value + "'");
    }
    return new String[] {host, port};
  }

  static URI parseComfyUrl(String value) {
    // The original took "http://host:port"; a bare "host:port" is read as http so that old .env files keep working.
    String withScheme = value.contains("://") ? value : "http://" + value;
    URI uri;
    try {
      uri = new URI(withScheme);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("not a valid URL: '" + value + "' (" + e.getReason() + ")");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new IllegalArgumentException(
          "must be an http:// or https:// URL such as http://127.0.0.1:8000, or 'demo', got '" + value + "'");
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      throw new IllegalArgumentException("has no host: '" + value + "'; expected e.g. http://127.0.0.1:8000");
    }
    if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw new IllegalArgumentException("must not have a query or fragment: '" + value + "'");
    }
    return uri;
  }

  private static Path parsePath(String value) {
    try {
      return Path.of(value);
    } catch (InvalidPathException e) {
      throw new IllegalArgumentException("not a valid path: '" + value + "' (" + e.getReason() + ")");
    }
  }

  private static String parseWorkflowName(String value) {
    if (!WorkflowNames.isValid(value)) {
      throw new IllegalArgumentException(WorkflowNames.problem(value));
    }
    return value;
  }

  static List<String> parseHosts(String value) {
    List<String> hosts = new ArrayList<>();
    for (String part : value.split(",")) {
      String host = part.strip().toLowerCase(Locale.ROOT);
      if (host.isEmpty()) {
        continue;
      }
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1);
        if (!IPV6.matcher(host).matches()) {
          throw new IllegalArgumentException("'" + part.strip() + "' is not an IPv6 address");
        }
      } else if (!HOST_PATTERN.matcher(host).matches()) {
        throw new IllegalArgumentException("'" + part.strip()
            + "' is not a host name; use 'example.com', '*.example.com' or an IP address, without scheme or port");
      }
      hosts.add(host);
    }
    return List.copyOf(hosts);
  }

  /**
   * Parses a duration: one or more {@code <number><unit>} parts with units {@code ms}, {@code s}, {@code m},
   * {@code h}, {@code d} ({@code 90s}, {@code 10m}, {@code 1h30m}), or ISO-8601 ({@code PT10M}). Must be positive.
   */
  static Duration parseDuration(String value) {
    String v = value.strip().toLowerCase(Locale.ROOT);
    Duration total = Duration.ZERO;
    if (v.startsWith("p")) {
      try {
        total = Duration.parse(value.strip());
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException("not an ISO-8601 duration: '" + value + "'");
      }
    } else {
      Matcher m = DURATION_PART.matcher(v);
      int end = 0;
      while (m.find() && m.start() == end) {
        long n;
        try {
          n = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("number too large in '" + value + "'");
        }
        switch (m.group(2)) {
          case "ms":
            total = total.plusMillis(n);
            break;
          case "s":
            total = total.plusSeconds(n);
            break;
          case "m":
            total = total.plusMinutes(n);
            break;
          case "h":
            total = total.plusHours(n);
            break;
          default:
            total = total.plusDays(n);
        }
        end = m.end();
      }
      if (end == 0 || end != v.length()) {
        throw new IllegalArgumentException("expected a duration such as 90s, 10m or 1h30m (units ms, s, m, h, d), got '"
            + value + "'");
      }
    }
    if (total.isNegative() || total.isZero()) {
      throw new IllegalArgumentException("must be positive, got '" + value + "'");
    }
    return total;
  }

  /** Parses a byte size: a whole number with an optional binary unit ({@code 512KiB}, {@code 1MiB}, {@code 1m}). */
  static long parseSize(String value) {
    Matcher m = SIZE.matcher(value.strip().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new IllegalArgumentException("expected a size such as 1048576, 512KiB or 1MiB, got '" + value + "'");
    }
    long n;
    try {
      n = Long.parseLong(m.group(1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("number too large: '" + value + "'");
    }
    int shift;
    switch (m.group(2)) {
      case "":
      case "b":
        shift = 0;
        break;
      case "k":
      case "kb":
      case "kib":
        shift = 10;
        break;
      case "m":
      case "mb":
      case "mib":
        shift = 20;
        break;
      default:
        shift = 30;
    }
    if (n > (Long.MAX_VALUE >> shift)) {
      throw new IllegalArgumentException("number too large: '" + value + "'");
    }
    return n << shift;
  }

  /** The closest candidate by edit distance, or "" when none is close enough to be a plausible typo. */
  static String didYouMean(String name, Iterable<String> candidates) {
    String best = "";
    int bestDistance = Integer.MAX_VALUE;
    for (String candidate : candidates) {
      int d = editDistance(name.toLowerCase(Locale.ROOT), candidate.toLowerCase(Locale.ROOT));
      if (d < bestDistance) {
        bestDistance = d;
        best = candidate;
      }
    }
    return bestDistance <= Math.max(2, name.length() / 3) ? best : "";
  }

  private static int editDistance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }

  /** Reads variables and collects problems, so that one start-up attempt reports all of them. */
  private static final class Reader {
    private final Map<String, String> env;
    private final List<String> problems = new ArrayList<>();

    Reader(Map<String, String> env) {
      this.env = env;
    }

    boolean isSet(String name) {
      String v = env.get(name);
      return v != null && !v.isBlank();
    }

    String get(String name, String defaultValue) {
      return isSet(name) ? env.get(name).strip() : defaultValue;
    }

    void problem(String name, String message) {
      problems.add(name + ": " + message);
    }

    <T> T parse(String name, String defaultText, Function<String, T> parser, T fallback) {
      String value = get(name, defaultText);
      try {
        return parser.apply(value);
      } catch (IllegalArgumentException e) {
        problem(name, e.getMessage());
        return fallback;
      }
    }

    int integer(String name, int defaultValue, int min, int max) {
      if (!isSet(name)) {
        return defaultValue;
      }
      String value = env.get(name).strip();
      try {
        int n = Integer.parseInt(value);
        if (n < min || n > max) {
          problem(name, "must be between " + min + " and " + max + ", got " + n);
          return defaultValue;
        }
        return n;
      } catch (NumberFormatException e) {
        problem(name, "must be a whole number between " + min + " and " + max + ", got '" + value + "'");
        return defaultValue;
      }
    }

    Optional<String> secret(String name, int minLength) {
      String value = env.get(name);
      if (value == null) {
        return Optional.empty();
      }
      // Never echo the value: it is a secret.
      if (value.isBlank()) {
        problem(name, "is set but empty; remove the variable to turn this feature off");
      } else if (!value.strip().equals(value) || value.chars().anyMatch(c -> c <= ' ' || c == 0x7f)) {
        problem(name, "must not contain spaces or control characters");
      } else if (value.length() < minLength) {
        problem(name, "is too short: use at least " + minLength + " characters");
      } else {
        return Optional.of(value);
      }
      return Optional.empty();
    }
  }
}
