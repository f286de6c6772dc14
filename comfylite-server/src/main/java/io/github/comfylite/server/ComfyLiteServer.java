package io.github.comfylite.server;

import com.sun.net.httpserver.HttpServer;
import io.github.comfylite.ComfyLite;
import io.github.comfylite.internal.NamedThreadFactory;
import io.github.comfylite.errors.WorkflowException;
import io.github.comfylite.result.WebhookSender;
import io.github.comfylite.workflow.WorkflowManager;
import io.github.comfylite.testkit.FakeComfyUi;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionHandler;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The ComfyLite HTTP server: the original program's {@code POST /generate} and webhooks, plus workflow discovery,
 * polling, cancellation, health, readiness and an OpenAPI document, over the JDK's built-in HTTP server.
 *
 * <pre>{@code
 * ServerConfig config = ServerConfig.fromEnv(System.getenv());
 * try (ComfyLiteServer server = ComfyLiteServer.builder().config(config).buildAndStart()) {
 *   System.out.println("listening on port " + server.port());
 *   ...
 * }
 * }</pre>
 *
 * <p>The server creates and owns its {@link ComfyLite} facade, its {@link WebhookSender} and, in demo mode, an
 * embedded {@link FakeComfyUi}, all from the {@link ServerConfig}.
 *
 * <p>Threads (all daemon except the JDK's own {@code HTTP-Dispatcher}, which keeps a standalone server's JVM
 * alive): {@code comfylite-http-N}, a fixed pool of {@link ServerConfig#threads()} serving requests, whose queue is
 * bounded (when it is full the dispatcher waits, so load turns into TCP backpressure rather than memory). The facade
 * logs when the connection to ComfyUI comes and goes; {@code GET /ready} reports it.
 */
public final class ComfyLiteServer implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(ComfyLiteServer.class.getName());
  /** How long {@link #close()} lets requests in progress finish. */
  private static final long STOP_GRACE_MILLIS = 2000;

  private final HttpServer http;
  private final ThreadPoolExecutor executor;
  private final ServerState state;
  private final Router router;
  /** What this server created and must close, in closing order. */
  private final Deque<AutoCloseable> owned;
  private final AtomicBoolean closed = new AtomicBoolean();

  private ComfyLiteServer(HttpServer http, ThreadPoolExecutor executor, ServerState state, Router router,
      Deque<AutoCloseable> owned) {
    this.http = http;
    this.executor = executor;
    this.state = state;
    this.router = router;
    this.owned = owned;
  }

  /**
   * Starts configuring a server.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The port the server listens on (the one picked by the system when the configuration asked for port 0).
   *
   * @return the bound TCP port
   */
  public int port() {
    return http.getAddress().getPort();
  }

  /**
   * A base URL for this server on the loopback interface, e.g. {@code http://127.0.0.1:8083/}.
   *
   * @return a URL clients on this machine can use, ending in a slash
   */
  public URI url() {
    InetAddress address = http.getAddress().getAddress();
    String host = address.isAnyLocalAddress() ? "127.0.0.1"
        : address.getHostAddress().contains(":") ? "[" + address.getHostAddress() + "]" : address.getHostAddress();
    return URI.create("http://" + host + ":" + port() + "/");
  }

  /**
   * Whether this server serves from an embedded fake ComfyUI ({@code --demo}).
   *
   * @return true in demo mode, where images come from the embedded fake
   */
  public boolean demo() {
    return state.demo;
  }

  /**
   * The ComfyUI address the server talks to (the fake's URL in demo mode).
   *
   * @return the ComfyUI base URL, as text
   */
  public String comfyAddress() {
    return state.comfyAddress;
  }

  /** The API's routes, for the OpenAPI consistency test. */
  List<Route> routes() {
    return router.routes();
  }

  /**
   * Stops the server: stops accepting connections, lets requests in progress finish for up to two seconds, then closes
   * what the server owns: the facade (pending prompts end as cancelled and their webhooks are still sent), the
   * webhook sender (which waits a bounded time for deliveries) and the demo's fake ComfyUI. Safe to call more than
   * once; never throws.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      // HttpServer.stop(n) on Java 17 always waits the full n seconds; wait for our own requests instead.
      if (!router.stopAndAwaitIdle(STOP_GRACE_MILLIS)) {
        LOG.log(Level.WARNING, "requests still in progress after " + STOP_GRACE_MILLIS + " ms; closing anyway");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    http.stop(0);
    executor.shutdown();
    closeAll(owned);
    try {
      executor.awaitTermination(STOP_GRACE_MILLIS, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    LOG.log(Level.INFO, "ComfyLite server on port {0} stopped", Integer.toString(port()));
  }

  private static void closeAll(Deque<AutoCloseable> resources) {
    while (!resources.isEmpty()) {
      AutoCloseable resource = resources.pollFirst();
      try {
        resource.close();
      } catch (Exception e) {
        LOG.log(Level.WARNING, "closing " + resource + " failed", e);
      }
    }
  }

  /** Configures a {@link ComfyLiteServer}. Not thread-safe. */
  public static final class Builder {
    private ServerConfig config;

    private Builder() {}

    /**
     * Sets the configuration. Defaults to {@code ServerConfig.fromEnv(Map.of())}: the original's defaults.
     *
     * @param config the configuration
     * @return this builder
     */
    public Builder config(ServerConfig config) {
      this.config = Objects.requireNonNull(config, "config");
      return this;
    }

    /**
     * Creates what the configuration asks for (the facade, and a fake ComfyUI in demo mode), binds the port and
     * starts serving. ComfyUI need not be up: the facade connects in the background and {@code /ready} reports it.
     *
     * @return the running server
     * @throws IOException if the port cannot be bound
     * @throws IllegalArgumentException if a workflow directory does not exist, or the explicitly configured default
     *     workflow does not exist (the message names the variable)
     * @throws java.io.UncheckedIOException if the demo's fake ComfyUI cannot start
     */
    public ComfyLiteServer buildAndStart() throws IOException {
      ServerConfig cfg = config != null ? config : ServerConfig.fromEnv(Map.of());
      // Each resource is pushed to the front as it is created, so close() (and a failed start) closes in reverse:
      // the facade first (its last outcomes still go to the webhook sender), then the sender, then the demo's fake.
      Deque<AutoCloseable> owned = new ArrayDeque<>();
      ThreadPoolExecutor executor = null;
      InetSocketAddress address = cfg.listenHost()
          .map(host -> new InetSocketAddress(host, cfg.listenPort()))
          .orElseGet(() -> new InetSocketAddress(cfg.listenPort()));
      if (address.isUnresolved()) {
        throw new IOException("COMFYLITE_ADDRESS: cannot resolve host '" + address.getHostString() + "'");
      }
      // Bind first: a port in use fails at once, before anything else is created.
      HttpServer http;
      try {
        http = HttpServer.create(address, 128);
      } catch (IOException e) {
        throw new IOException("cannot listen on " + describe(address, cfg.listenPort()) + " (COMFYLITE_ADDRESS): "
            + e.getMessage(), e);
      }
      try {
        URI comfyUrl;
        boolean demo = cfg.demo();
        if (demo) {
          FakeComfyUi fake = Demo.startFake();
          owned.addFirst(fake);
          comfyUrl = fake.url();
        } else {
          comfyUrl = cfg.comfyUrl().orElseThrow();
        }
        WebhookSender.Builder webhookBuilder = WebhookSender.builder()
            .maxAttempts(cfg.webhookMaxAttempts())
            .attemptTimeout(cfg.webhookTimeout())
            .maxBackoff(cfg.webhookMaxBackoff());
        cfg.webhookSecret().ifPresent(webhookBuilder::secret);
        WebhookSender webhooks = webhookBuilder.build();
        owned.addFirst(webhooks);
        Path[] dirs = workflowDirectories(cfg);
        ComfyLite facade = ComfyLite.builder()
            .comfyUrl(comfyUrl)
            .workflowDirectories(dirs[0], dirs[1])
            .promptTimeout(cfg.promptTimeout())
            // GET /prompts/{id} reads finished prompts from the server's own store; the facade keeps a few more only
            // to cover the moment between a prompt finishing and that store hearing of it.
            .retainFinished(64, 64L << 20)
            .build();
        owned.addFirst(facade);
        checkWorkflows(cfg, facade.workflows());
        String comfyAddress = comfyUrl.toString();

        ServerState state = new ServerState(cfg, facade, webhooks, comfyAddress);
        Router router = new Router(ApiRoutes.of(state), cfg.apiKey(), cfg.maxBodyBytes());
        executor = httpExecutor(cfg.threads());
        http.createContext("/", router);
        http.setExecutor(executor);
        ComfyLiteServer server = new ComfyLiteServer(http, executor, state, router, owned);
        http.start();
        LOG.log(Level.INFO, () -> "ComfyLite server listening on " + describe(address, server.port())
            + (state.demo ? " in DEMO MODE: serving from an embedded fake ComfyUI at " + comfyAddress
                + " — images are synthetic" : ", ComfyUI at " + comfyAddress)
            + (cfg.apiKey().isPresent() ? "; bearer-token auth on" : "; no auth (set COMFYLITE_API_KEY)"));
        return server;
      } catch (IOException | RuntimeException | Error e) {
        http.stop(0);
        if (executor != null) {
          executor.shutdownNow();
        }
        closeAll(owned);
        throw e;
      }
    }
  }

  private static ThreadPoolExecutor httpExecutor(int threads) {
    // Waiting in the dispatcher when the queue is full holds further connections in the kernel's accept backlog
    // instead of growing an unbounded queue (the prometheus HTTPServer approach).
    RejectedExecutionHandler block = (task, pool) -> {
      try {
        while (!pool.isShutdown()) {
          if (pool.getQueue().offer(task, 100, TimeUnit.MILLISECONDS)) {
            return;
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      throw new java.util.concurrent.RejectedExecutionException("server is stopping");
    };
    ThreadPoolExecutor executor = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(threads * 16), new NamedThreadFactory("comfylite-http"), block);
    executor.allowCoreThreadTimeOut(true);
    return executor;
  }

  /**
   * The workflow directories to use: the configured ones; or, when none was configured and {@code templates/} does
   * not exist in the working directory (the jar runs elsewhere), the workflows bundled in the jar, copied to a
   * temporary directory.
   */
  static Path[] workflowDirectories(ServerConfig config) throws IOException {
    if (config.workflowDirsConfigured() || Files.isDirectory(config.templatesDir())) {
      requireDirectory("COMFYLITE_TEMPLATES_DIR", config.templatesDir());
      requireDirectory("COMFYLITE_CONFIGS_DIR", config.configsDir());
      return new Path[] {config.templatesDir(), config.configsDir()};
    }
    Optional<Path> bundled = BundledWorkflows.extract();
    if (bundled.isEmpty()) {
      return new Path[] {config.templatesDir(), config.configsDir()};
    }
    Path root = bundled.get();
    LOG.log(Level.INFO, () -> "no " + config.templatesDir().toAbsolutePath() + " directory; using the workflows"
        + " bundled with the server (copied to " + root + "). Set COMFYLITE_TEMPLATES_DIR and"
        + " COMFYLITE_CONFIGS_DIR to use your own.");
    return new Path[] {root.resolve("templates"), root.resolve("configs")};
  }

  private static void requireDirectory(String variable, Path dir) {
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException(variable + ": " + dir.toAbsolutePath() + " does not exist or is not a"
          + " directory");
    }
  }

  /**
   * Checks the default workflow exists: a start-up error when it was configured explicitly (a typo would fail every
   * request), a warning when it is the built-in default ({@code starter}) and the directories lack it. Logs which
   * workflows were loaded and which are broken, so that a bad file shows at start-up rather than at the first request.
   */
  private static void checkWorkflows(ServerConfig config, WorkflowManager workflows) {
    List<String> names = workflows.names();
    Map<String, WorkflowException> problems = workflows.problems();
    LOG.log(Level.INFO, () -> "workflows in " + workflows.templatesDirectory() + ": "
        + (names.isEmpty() ? "none" : String.join(", ", names)));
    problems.forEach((name, e) -> LOG.log(Level.WARNING, () -> "workflow '" + name + "' cannot be used: "
        + e.getMessage()));
    if (!names.contains(config.defaultWorkflow())) {
      String message = "COMFYLITE_DEFAULT_WORKFLOW: workflow '" + config.defaultWorkflow() + "' "
          + (problems.containsKey(config.defaultWorkflow()) ? "cannot be loaded: "
              + problems.get(config.defaultWorkflow()).getMessage() : "does not exist")
          + " (available: " + (names.isEmpty() ? "none" : String.join(", ", names)) + ")";
      if (config.defaultWorkflowConfigured()) {
        throw new IllegalArgumentException(message);
      }
      LOG.log(Level.WARNING, () -> message + "; requests must name a workflow");
    }
  }

  private static String describe(InetSocketAddress address, int port) {
    return (address.getAddress().isAnyLocalAddress() ? "all interfaces" : address.getHostString()) + ", port " + port;
  }
}
