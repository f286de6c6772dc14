package io.github.comfylite.server;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Runs the server: {@code java -jar comfylite-server.jar [--demo] [--env-file PATH]}.
 *
 * <p>Configuration comes from the environment merged over a {@code .env} file in the working directory (the
 * environment wins); see {@link ServerConfig}. A bad configuration stops start-up with exit status 2 and a message
 * naming each bad variable; a port that cannot be bound exits with 1. On SIGTERM/SIGINT the server stops accepting
 * requests, pending prompts end as cancelled (their webhooks are still sent), and the process exits.
 */
public final class Main {
  private static final System.Logger LOG = System.getLogger(Main.class.getName());

  static final String USAGE = String.join("\n",
      "Usage: java -jar comfylite-server.jar [--demo] [--env-file PATH] [--help]",
      "",
      "  --demo            serve from an embedded fake ComfyUI (no GPU needed; images are synthetic)",
      "  --env-file PATH   read variables from PATH instead of ./.env (the environment still wins)",
      "  --help            print this help and the configuration variables",
      "",
      "Environment variables:");

  private Main() {}

  /**
   * Starts the server and returns; the server's HTTP dispatcher thread keeps the JVM running until it is stopped.
   *
   * @param args command-line arguments, see {@link #USAGE}
   */
  public static void main(String[] args) {
    configureLogging();
    Launch launch = launch(List.of(args), System.getenv(), System.out, System.err);
    if (launch.server().isPresent()) {
      ComfyLiteServer server = launch.server().get();
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        // java.util.logging resets its handlers in its own shutdown hook, so log lines here may be lost: say it
        // on stderr directly.
        System.err.printf("%1$tF %1$tT.%1$tL INFO    shutting down: finishing requests, cancelling pending prompts"
            + " (their webhooks are still sent)%n", System.currentTimeMillis());
        server.close();
        System.err.printf("%1$tF %1$tT.%1$tL INFO    stopped%n", System.currentTimeMillis());
      }, "comfylite-shutdown"));
    } else if (launch.exitStatus() != 0) {
      System.exit(launch.exitStatus());
    }
  }

  /**
   * The result of {@link #launch}.
   *
   * @param server the running server; empty after {@code --help} or a failed start
   * @param exitStatus 0, 1 (could not start) or 2 (bad arguments or configuration)
   */
  record Launch(Optional<ComfyLiteServer> server, int exitStatus) {
    static Launch failed(int status) {
      return new Launch(Optional.empty(), status);
    }
  }

  /**
   * Parses the arguments, reads the configuration ({@code environment} merged over the {@code .env} file) and starts
   * the server. Messages for the user go to {@code out} and {@code err}.
   */
  static Launch launch(List<String> args, Map<String, String> environment, PrintStream out, PrintStream err) {
    boolean demo = false;
    Optional<Path> envFile = Optional.empty();
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      if (arg.equals("--demo")) {
        demo = true;
      } else if (arg.equals("--help") || arg.equals("-h")) {
        out.println(help());
        return Launch.failed(0);
      } else if (arg.equals("--env-file") && i + 1 < args.size()) {
        envFile = Optional.of(Path.of(args.get(++i)));
      } else if (arg.startsWith("--env-file=")) {
        envFile = Optional.of(Path.of(arg.substring("--env-file=".length())));
      } else {
        err.println("comfylite-server: unknown argument '" + arg + "'\n\n" + help());
        return Launch.failed(2);
      }
    }
    ServerConfig config;
    try {
      Path file = envFile.orElse(Path.of(".env"));
      if (envFile.isPresent() && !file.toFile().isFile()) {
        throw new IllegalArgumentException("--env-file: " + file + " does not exist");
      }
      Map<String, String> merged = new LinkedHashMap<>(DotEnv.merge(DotEnv.load(file), environment));
      if (demo) {
        merged.put("COMFYUI_ADDRESS", ServerConfig.DEMO);
      }
      config = ServerConfig.fromEnv(merged);
    } catch (IllegalArgumentException | IOException e) {
      err.println("comfylite-server: " + e.getMessage());
      return Launch.failed(2);
    }
    try {
      return new Launch(Optional.of(ComfyLiteServer.builder().config(config).buildAndStart()), 0);
    } catch (IllegalArgumentException e) {
      err.println("comfylite-server: " + e.getMessage());
      return Launch.failed(2);
    } catch (IOException | RuntimeException e) {
      err.println("comfylite-server: cannot start: " + e.getMessage());
      LOG.log(Level.DEBUG, "start-up failed", e);
      return Launch.failed(1);
    }
  }

  static String help() {
    List<String> lines = new ArrayList<>();
    lines.add(USAGE);
    ServerConfig.VARIABLES.forEach((name, description) -> lines.add(String.format("  %-32s %s", name, description)));
    return String.join("\n", lines);
  }

  /** One line per record, unless the user configured java.util.logging themselves. */
  private static void configureLogging() {
    if (System.getProperty("java.util.logging.config.file") == null
        && System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
      System.setProperty("java.util.logging.SimpleFormatter.format",
          "%1$tF %1$tT.%1$tL %4$-7s %5$s%6$s%n");
    }
    // The JDK server otherwise leaves Nagle's algorithm on, which delays small responses on kept-alive connections.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
  }
}
