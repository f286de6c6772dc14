package io.github.comfylite.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class NamedThreadFactoryTest {

  @Test
  void makesNumberedDaemonThreads() {
    NamedThreadFactory factory = new NamedThreadFactory("comfylite-test");

    Thread first = factory.newThread(() -> {});
    Thread second = factory.newThread(() -> {});

    assertThat(first.getName()).isEqualTo("comfylite-test-1");
    assertThat(second.getName()).isEqualTo("comfylite-test-2");
    assertThat(first.isDaemon()).isTrue();
  }

  @Test
  void rejectsPrefixOutsideOurNamespace() {
    assertThatThrownBy(() -> new NamedThreadFactory("pool"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("comfylite-");
  }
}
