package io.github.comfylite.bench;

/**
 * Runs the soak from the command line: prompts through the ComfyLite server, a fake ComfyUI and a misbehaving webhook
 * receiver while faults are injected; prints the figures and exits with status 1 if any invariant broke (a prompt
 * without an outcome, a prompt delivered under two webhook ids, a prompt forgotten by a restart that did not end
 * {@code LOST}, a webhook that disagrees with {@code GET /prompts/{id}}), 2 on bad arguments.
 *
 * <pre>{@code
 * ./mvnw -q -B -DskipTests package
 * java -cp comfylite-bench/target/comfylite-bench.jar io.github.comfylite.bench.SoakRun --prompts 10000 --seed 42
 * }</pre>
 *
 * <p>Run it from the repository root (it reads {@code templates/} and {@code configs/}), or pass {@code --root DIR}.
 * {@code --help} lists every option.
 */
public final class SoakRun {
  private SoakRun() {}

  /**
   * Runs one soak with the given arguments.
   *
   * @param args options, see {@code --help}
   * @throws Exception if the servers cannot start
   */
  public static void main(String[] args) throws Exception {
    if (java.util.List.of(args).contains("--help")) {
      System.out.println(SoakConfig.USAGE);
      return;
    }
    SoakConfig config;
    try {
      config = SoakConfig.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.exit(2);
      return;
    }
    SoakReport report = Soak.run(config, System.out);
    report.print(System.out);
    System.exit(report.passed() ? 0 : 1);
  }
}
