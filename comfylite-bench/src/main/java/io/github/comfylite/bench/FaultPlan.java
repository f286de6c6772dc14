package io.github.comfylite.bench;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * When the soak injects which fault: each fault fires once the server has accepted {@link Fault#afterAccepted()}
 * prompts. Drawn from the seed alone, so a seed names the same plan on every machine.
 */
final class FaultPlan {
  /** The kinds of fault the soak injects into the fake ComfyUI. */
  enum Kind {
    /** Every WebSocket is aborted (at once, after a few more frames, or before the next frame of one type). */
    DROP_SOCKETS,
    /** The fake forgets its queue, the running prompt and its history, and aborts every socket. */
    RESTART,
    /** EmptyImage raises for the next few prompts that run. */
    EXECUTION_ERROR,
    /** The running prompt is interrupted, as another user's {@code POST /interrupt} would. */
    INTERRUPT
  }

  /**
   * One fault.
   *
   * @param afterAccepted fire once this many prompts were accepted
   * @param kind what to do
   * @param variant which flavour (for drops: 0 at once, 1 after {@code n} frames, 2 before the next {@code executed},
   *     3 before the next binary frame)
   * @param n a count for the variant (frames to let through; prompts to fail)
   */
  record Fault(int afterAccepted, Kind kind, int variant, int n) {
    String describe() {
      switch (kind) {
        case DROP_SOCKETS:
          return variant == 0 ? "drop sockets" : variant == 1 ? "drop sockets after " + n + " frames"
              : variant == 2 ? "drop sockets before the next 'executed'" : "drop sockets before the next binary frame";
        case EXECUTION_ERROR:
          return "EmptyImage raises for " + n + " prompts";
        default:
          return kind.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
      }
    }
  }

  private FaultPlan() {}

  /** The faults of a run, in firing order, between 5% and 90% of the run. */
  static List<Fault> of(SoakConfig config) {
    SplittableRandom random = new SplittableRandom(config.seed());
    List<Fault> faults = new ArrayList<>();
    int from = Math.max(1, config.prompts() / 20);
    int to = Math.max(from + 1, config.prompts() * 9 / 10);
    add(faults, random, config.restarts(), Kind.RESTART, from, to);
    add(faults, random, config.drops(), Kind.DROP_SOCKETS, from, to);
    add(faults, random, config.errorWindows(), Kind.EXECUTION_ERROR, from, to);
    add(faults, random, config.interrupts(), Kind.INTERRUPT, from, to);
    faults.sort(Comparator.comparingInt(Fault::afterAccepted));
    return List.copyOf(faults);
  }

  private static void add(List<Fault> faults, SplittableRandom random, int count, Kind kind, int from, int to) {
    for (int i = 0; i < count; i++) {
      int at = random.nextInt(from, to);
      if (kind == Kind.DROP_SOCKETS) {
        faults.add(new Fault(at, kind, random.nextInt(4), random.nextInt(1, 30)));
      } else if (kind == Kind.EXECUTION_ERROR) {
        faults.add(new Fault(at, kind, 0, random.nextInt(1, 6)));
      } else {
        faults.add(new Fault(at, kind, 0, 0));
      }
    }
  }
}
