package io.github.comfylite.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The settings of one soak run: how many prompts, how hard, which faults, and how patient.
 *
 * @param prompts prompts to submit through the server
 * @param seed seeds every random choice: the fault plan, the receiver's answers, the workflows and sizes
 * @param clients HTTP client threads submitting to {@code POST /generate}
 * @param executionTime the fake's time per node
 * @param wsShare the share of prompts using {@code smoke_ws} (SaveImageWebsocket) instead of {@code smoke}
 * @param webhook503 the share of webhook requests the receiver answers with 503
 * @param webhookStall the share of webhook requests the receiver holds longer than the sender's attempt timeout
 * @param webhookAttemptTimeout the server's per-attempt webhook timeout ({@code COMFYLITE_WEBHOOK_TIMEOUT})
 * @param webhookMaxAttempts the server's webhook attempts ({@code COMFYLITE_WEBHOOK_MAX_ATTEMPTS})
 * @param maxPending the server's {@code COMFYLITE_MAX_PENDING}: more unfinished prompts get 429
 * @param restarts fake restarts (forgetting queue and history)
 * @param drops dropped-socket faults
 * @param errorWindows execution-error windows (a node raises for a few prompts)
 * @param interrupts interrupts of the running prompt
 * @param deadline how long to wait for every accepted prompt's outcome once submitting has ended
 * @param root the repository root holding {@code templates/} and {@code configs/}
 * @param oldServer whether the fake behaves like a ComfyUI from before v0.3.45 (server-made prompt ids, no
 *     {@code execution_success}, legacy binary frames)
 */
record SoakConfig(int prompts, long seed, int clients, Duration executionTime, double wsShare, double webhook503,
    double webhookStall, Duration webhookAttemptTimeout, int webhookMaxAttempts, int maxPending, int restarts,
    int drops, int errorWindows, int interrupts, Duration deadline, Path root, boolean oldServer) {

  static final String USAGE = String.join("\n",
      "usage: SoakRun [--prompts N] [--seed S] [--clients N] [--exec-ms MS] [--ws-share F] [--webhook-503 F]",
      "               [--webhook-stall F] [--webhook-timeout-ms MS] [--webhook-attempts N] [--max-pending N]",
      "               [--restarts N] [--drops N] [--errors N] [--interrupts N] [--deadline-s S] [--root DIR]",
      "               [--old-server]",
      "defaults: --prompts 10000 --seed 42 --clients 32 --exec-ms 1 --ws-share 0.2 --webhook-503 0.5",
      "          --webhook-stall 0.02 --webhook-timeout-ms 500 --webhook-attempts 25 --max-pending 64",
      "          fault counts scale with --prompts (10000: 5 restarts, 20 drops, 10 error windows, 20 interrupts),",
      "          --deadline-s 600, --root . (the repository root, with templates/ and configs/);",
      "          --old-server makes the fake a ComfyUI from before v0.3.45");

  SoakConfig {
    Objects.requireNonNull(executionTime, "executionTime");
    Objects.requireNonNull(webhookAttemptTimeout, "webhookAttemptTimeout");
    Objects.requireNonNull(deadline, "deadline");
    Objects.requireNonNull(root, "root");
    positive("prompts", prompts);
    positive("clients", clients);
    positive("webhook attempts", webhookMaxAttempts);
    positive("max pending", maxPending);
    share("ws-share", wsShare);
    share("webhook-503", webhook503);
    share("webhook-stall", webhookStall);
    if (webhook503 + webhookStall >= 1) {
      throw new IllegalArgumentException("webhook-503 + webhook-stall must be below 1 or no webhook is ever"
          + " delivered, got " + webhook503 + " + " + webhookStall);
    }
    for (int n : new int[] {restarts, drops, errorWindows, interrupts}) {
      if (n < 0) {
        throw new IllegalArgumentException("fault counts must be >= 0, got " + n);
      }
    }
  }

  /** The defaults for {@code prompts} prompts: fault counts scale with the run. */
  static SoakConfig defaults(int prompts, long seed, Path root) {
    return new SoakConfig(prompts, seed, 32, Duration.ofMillis(1), 0.2, 0.5, 0.02, Duration.ofMillis(500), 25, 64,
        Math.max(2, prompts / 2000), Math.max(3, prompts / 500), Math.max(2, prompts / 1000),
        Math.max(3, prompts / 500), Duration.ofMinutes(10), root, false);
  }

  /**
   * Parses command-line arguments over {@link #defaults}.
   *
   * @throws IllegalArgumentException naming the bad or unknown argument
   */
  static SoakConfig parse(String[] args) {
    List<String> list = new ArrayList<>(List.of(args));
    boolean oldServer = list.remove("--old-server");
    int prompts = (int) longOption(list, "--prompts", 10_000);
    long seed = longOption(list, "--seed", 42);
    Path root = Path.of(stringOption(list, "--root", "."));
    SoakConfig d = defaults(prompts, seed, root);
    SoakConfig c = new SoakConfig(prompts, seed,
        (int) longOption(list, "--clients", d.clients()),
        Duration.ofMillis(longOption(list, "--exec-ms", d.executionTime().toMillis())),
        doubleOption(list, "--ws-share", d.wsShare()),
        doubleOption(list, "--webhook-503", d.webhook503()),
        doubleOption(list, "--webhook-stall", d.webhookStall()),
        Duration.ofMillis(longOption(list, "--webhook-timeout-ms", d.webhookAttemptTimeout().toMillis())),
        (int) longOption(list, "--webhook-attempts", d.webhookMaxAttempts()),
        (int) longOption(list, "--max-pending", d.maxPending()),
        (int) longOption(list, "--restarts", d.restarts()),
        (int) longOption(list, "--drops", d.drops()),
        (int) longOption(list, "--errors", d.errorWindows()),
        (int) longOption(list, "--interrupts", d.interrupts()),
        Duration.ofSeconds(longOption(list, "--deadline-s", d.deadline().toSeconds())),
        root, oldServer);
    if (!list.isEmpty()) {
      throw new IllegalArgumentException("unknown argument '" + list.get(0) + "'\n" + USAGE);
    }
    return c;
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "prompts=%d seed=%d clients=%d exec=%dms/node ws-share=%.2f webhook: 503=%.2f"
            + " stall=%.2f timeout=%dms attempts=%d; max-pending=%d; faults: %d restarts, %d drops, %d error windows,"
            + " %d interrupts%s", prompts, seed, clients, executionTime.toMillis(), wsShare, webhook503, webhookStall,
        webhookAttemptTimeout.toMillis(), webhookMaxAttempts, maxPending, restarts, drops, errorWindows, interrupts,
        oldServer ? "; old server" : "");
  }

  private static String stringOption(List<String> args, String name, String fallback) {
    int i = args.indexOf(name);
    if (i < 0) {
      return fallback;
    }
    if (i + 1 >= args.size()) {
      throw new IllegalArgumentException(name + " needs a value\n" + USAGE);
    }
    String value = args.get(i + 1);
    args.remove(i + 1);
    args.remove(i);
    return value;
  }

  private static long longOption(List<String> args, String name, long fallback) {
    String value = stringOption(args, name, null);
    if (value == null) {
      return fallback;
    }
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be a whole number, got '" + value + "'");
    }
  }

  private static double doubleOption(List<String> args, String name, double fallback) {
    String value = stringOption(args, name, null);
    if (value == null) {
      return fallback;
    }
    try {
      return Double.parseDouble(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be a number, got '" + value + "'");
    }
  }

  private static void positive(String name, int value) {
    if (value < 1) {
      throw new IllegalArgumentException(name + " must be >= 1, got " + value);
    }
  }

  private static void share(String name, double value) {
    if (!(value >= 0 && value <= 1)) {
      throw new IllegalArgumentException(name + " must be between 0 and 1, got " + value);
    }
  }
}
