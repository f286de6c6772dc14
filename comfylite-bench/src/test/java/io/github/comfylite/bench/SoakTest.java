package io.github.comfylite.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The soak in small: 300 prompts through the server, the fake ComfyUI and a receiver that answers 503 to half its
 * requests and stalls some, with two restarts, three socket drops, two execution-error windows and three interrupts.
 * The full run is {@code SoakRun --prompts 10000} (README, "Reliability").
 */
class SoakTest {
  @Test
  void everyAcceptedPromptGetsExactlyOneOutcomeUnderFaults() throws Exception {
    Path root = Path.of(System.getProperty("comfylite.root", "../"));
    SoakConfig config = new SoakConfig(300, 7, 16, Duration.ofMillis(1), 0.2, 0.5, 0.03, Duration.ofMillis(300), 25,
        48, 2, 3, 2, 3, Duration.ofSeconds(40), root, false);

    SoakReport report = Soak.run(config, System.out);
    report.print(System.out);

    assertThat(report.violations()).as("invariant violations").isEmpty();
    assertThat(report.accepted()).isEqualTo(300);
    assertThat(report.noOutcome()).isZero();
    assertThat(report.promptsWithTwoIds()).isZero();
    assertThat(report.mismatches()).isZero();
    assertThat(report.webhookGivenUp()).isZero();
    assertThat(report.succeeded() + report.failed()).isEqualTo(300);
    // The faults bit: restarts forgot queued prompts and every one of them ended LOST; errors and interrupts landed.
    assertThat(report.restarts()).hasSize(2).allSatisfy(r -> assertThat(r.pendingLost()).isEqualTo(r.pending()));
    assertThat(report.restarts().stream().mapToInt(SoakReport.RestartResult::pending).sum()).isPositive();
    assertThat(report.failedByKind().keySet())
        .anySatisfy(k -> assertThat(k).startsWith("LOST"))
        .anySatisfy(k -> assertThat(k).startsWith("EXECUTION"))
        .anySatisfy(k -> assertThat(k).startsWith("INTERRUPTED"));
    // The receiver's faults bit too: retries happened, and a stalled-then-recorded delivery came again (same id).
    assertThat(report.answered503()).isPositive();
    assertThat(report.stalled()).isPositive();
  }
}
