package io.github.comfylite.bench;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;

/**
 * The figures of one soak run and the invariants it broke (none, when the server kept its promise).
 *
 * @param config the run's settings
 * @param faults the faults injected, in order
 * @param accepted prompts {@code POST /generate} accepted (200 with a prompt id)
 * @param rejected429 {@code 429} answers (backpressure); each was retried until accepted
 * @param submitErrors other answers to {@code POST /generate}, by status, or {@code io} for transport errors
 * @param succeeded prompts whose outcome was a success
 * @param failedByKind failed prompts by {@code FailureKind}
 * @param webhookRequests requests the receiver got, every answer included
 * @param answered503 requests the receiver answered 503
 * @param stalled requests the receiver held longer than the sender's attempt timeout
 * @param webhooksDelivered distinct {@code webhook-id}s the receiver recorded
 * @param duplicates deliveries of a {@code webhook-id} that had arrived before (counted once above)
 * @param promptsWithTwoIds prompts delivered under two different {@code webhook-id}s (a defect)
 * @param noOutcome accepted prompts that never got an outcome (must be 0)
 * @param webhookGivenUp finished prompts whose webhook never arrived (the sender gave up)
 * @param mismatches prompts whose webhook disagrees with {@code GET /prompts/{id}}
 * @param restarts what each restart forgot and how those prompts ended
 * @param peakHeapSampled the highest heap use seen by a 10 ms sampler, in bytes (the whole JVM)
 * @param peakHeapPools the sum of the heap pools' peak usage, in bytes (an upper bound; the whole JVM)
 * @param maxHeap the JVM's maximum heap, in bytes
 * @param wall from the first submit to the last outcome
 * @param violations every broken invariant, one line each; empty means the run passed
 * @param anomalies odd observations that break no invariant, one line each
 */
record SoakReport(SoakConfig config, List<FaultPlan.Fault> faults, long accepted, long rejected429,
    SortedMap<String, Long> submitErrors, long succeeded, SortedMap<String, Long> failedByKind, long webhookRequests,
    long answered503, long stalled, long webhooksDelivered, long duplicates, long promptsWithTwoIds, long noOutcome,
    long webhookGivenUp, long mismatches, List<RestartResult> restarts, long peakHeapSampled, long peakHeapPools,
    long maxHeap, Duration wall, List<String> violations, List<String> anomalies) {

  /**
   * What one restart of the fake did.
   *
   * @param afterAccepted when it fired
   * @param pending prompts the fake had queued (all must end LOST)
   * @param running prompts it was running (all must end LOST)
   * @param pendingLost how many of {@code pending} ended LOST
   * @param runningLost how many of {@code running} ended LOST
   */
  record RestartResult(int afterAccepted, int pending, int running, int pendingLost, int runningLost) {}

  boolean passed() {
    return violations.isEmpty();
  }

  long failed() {
    return failedByKind.values().stream().mapToLong(Long::longValue).sum();
  }

  void print(PrintStream out) {
    out.println("ComfyLite soak: " + config);
    out.printf(Locale.ROOT, "  machine: %d cores, java %s, max heap %s%n", Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.version"), mib(maxHeap));
    out.printf(Locale.ROOT, "  faults injected: %s%n", countFaults());
    out.printf(Locale.ROOT,
        "  accepted            %,d (429 backpressure answers, retried: %,d; other submit errors: %s)%n", accepted,
        rejected429, submitErrors.isEmpty() ? "none" : submitErrors);
    out.printf(Locale.ROOT, "  succeeded           %,d%n", succeeded);
    out.printf(Locale.ROOT, "  failed              %,d %s%n", failed(), failedByKind);
    out.printf(Locale.ROOT, "  webhooks delivered  %,d (distinct webhook ids; receiver got %,d requests: %,d answered"
        + " 503, %,d stalled past the sender's timeout)%n", webhooksDelivered, webhookRequests, answered503, stalled);
    out.printf(Locale.ROOT, "  duplicates          %,d (same webhook-id again, counted once)%n", duplicates);
    out.printf(Locale.ROOT, "  two webhook ids     %,d prompts (must be 0)%n", promptsWithTwoIds);
    out.printf(Locale.ROOT, "  webhook given up    %,d prompts (finished, webhook never arrived)%n", webhookGivenUp);
    out.printf(Locale.ROOT, "  no outcome          %,d prompts (must be 0)%n", noOutcome);
    out.printf(Locale.ROOT, "  /prompts mismatch   %,d prompts (must be 0)%n", mismatches);
    for (RestartResult r : restarts) {
      out.printf(Locale.ROOT, "  restart after %,d accepted: %d queued (%d ended LOST), %d running (%d ended LOST)%n",
          r.afterAccepted(), r.pending(), r.pendingLost(), r.running(), r.runningLost());
    }
    out.printf(Locale.ROOT, "  peak heap           %s sampled every 10 ms (sum of pool peaks %s); whole JVM: server,"
        + " fake ComfyUI, receiver and clients%n", mib(peakHeapSampled), mib(peakHeapPools));
    out.printf(Locale.ROOT, "  wall time           %.1f s (%.0f prompts/s)%n", wall.toMillis() / 1000.0,
        accepted * 1000.0 / Math.max(1, wall.toMillis()));
    anomalies.forEach(a -> out.println("  anomaly: " + a));
    if (violations.isEmpty()) {
      out.println("  PASSED: every accepted prompt has exactly one outcome");
    } else {
      out.println("  FAILED: " + violations.size() + " invariant violations:");
      violations.stream().limit(20).forEach(v -> out.println("    " + v));
      if (violations.size() > 20) {
        out.println("    ... and " + (violations.size() - 20) + " more");
      }
    }
  }

  private String countFaults() {
    Map<FaultPlan.Kind, Long> counts = new java.util.EnumMap<>(FaultPlan.Kind.class);
    for (FaultPlan.Fault f : faults) {
      counts.merge(f.kind(), 1L, Long::sum);
    }
    return counts.toString();
  }

  private static String mib(long bytes) {
    return String.format(Locale.ROOT, "%.0f MiB", bytes / (1024.0 * 1024.0));
  }
}
