package io.github.comfylite.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {

  @Test
  void delayDoublesPerRetryWithinEqualJitterBounds() {
    Backoff low = Backoff.exponential(Duration.ofMillis(100), Duration.ofSeconds(10), () -> 0.0);
    Backoff high = Backoff.exponential(Duration.ofMillis(100), Duration.ofSeconds(10), () -> 0.999999);

    assertThat(low.delay(1)).isEqualTo(Duration.ofMillis(50));
    assertThat(low.delay(3)).isEqualTo(Duration.ofMillis(200));
    assertThat(high.delay(1)).isBetween(Duration.ofMillis(99), Duration.ofMillis(100));
    assertThat(high.delay(4)).isBetween(Duration.ofMillis(799), Duration.ofMillis(800));
  }

  @Test
  void delayIsCappedByMaxEvenForHugeRetryCounts() {
    Backoff backoff = Backoff.exponential(Duration.ofMillis(100), Duration.ofSeconds(1), () -> 0.999999);

    assertThat(backoff.delay(10)).isBetween(Duration.ofMillis(999), Duration.ofSeconds(1));
    assertThat(backoff.delay(Integer.MAX_VALUE)).isBetween(Duration.ofMillis(999), Duration.ofSeconds(1));
  }

  @Test
  void rejectsNonPositiveInitialAndMaxBelowInitial() {
    assertThatThrownBy(() -> Backoff.exponential(Duration.ZERO, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("initial");
    assertThatThrownBy(() -> Backoff.exponential(Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("max");
  }
}
