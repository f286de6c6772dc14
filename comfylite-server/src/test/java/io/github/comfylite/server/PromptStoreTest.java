package io.github.comfylite.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.comfylite.result.FailureKind;
import io.github.comfylite.result.GeneratedImage;
import io.github.comfylite.result.GenerationResult;
import io.github.comfylite.result.Outcome;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PromptStoreTest {

  @Test
  void remembersSubmittedAndFinishedPrompts() {
    PromptStore store = new PromptStore(10, 1000);
    store.submitted("a", "starter");
    assertThat(store.get("a")).hasValueSatisfying(e -> assertThat(e.finished()).isFalse());
    store.finished(success("a", 100));
    assertThat(store.get("a")).hasValueSatisfying(e -> {
      assertThat(e.succeeded()).isTrue();
      assertThat(e.images()).hasValueSatisfying(images -> assertThat(images).hasSize(1));
    });
    assertThat(store.get("unknown")).isEmpty();
  }

  @Test
  void outcomeThatBeatsTheSubmitIsKept() {
    PromptStore store = new PromptStore(10, 1000);
    store.finished(Outcome.Failed.of("a", "starter", FailureKind.UNAVAILABLE, "down"));
    store.submitted("a", "starter");
    assertThat(store.get("a").orElseThrow().failure()).hasValueSatisfying(
        f -> assertThat(f.kind()).isEqualTo(FailureKind.UNAVAILABLE));
  }

  @Test
  void forgetsTheOldestSubmittedBeyondCapacity() {
    PromptStore store = new PromptStore(2, 1000);
    store.submitted("a", "w");
    store.submitted("b", "w");
    store.finished(success("a", 10));
    store.submitted("c", "w");
    assertThat(store.get("a")).isEmpty();
    assertThat(store.get("b")).isPresent();
    assertThat(store.get("c")).isPresent();
    assertThat(store.size()).isEqualTo(2);
  }

  @Test
  void dropsOldestImagesBeyondTheBudgetButKeepsTheStatus() {
    PromptStore store = new PromptStore(10, 250);
    store.finished(success("a", 100));
    store.finished(success("b", 100));
    store.finished(success("c", 100));
    assertThat(store.get("a").orElseThrow().imagesExpired()).isTrue();
    assertThat(store.get("b").orElseThrow().images()).isPresent();
    assertThat(store.get("c").orElseThrow().images()).isPresent();
    assertThat(store.imageBytes()).isEqualTo(200);
    store.finished(success("huge", 1000));
    assertThat(store.get("huge").orElseThrow().imagesExpired()).isTrue();
    assertThat(store.imageBytes()).isEqualTo(200);
  }

  static Outcome success(String id, int bytes) {
    byte[] png = new byte[bytes];
    png[0] = (byte) 0x89;
    png[1] = 'P';
    png[2] = 'N';
    png[3] = 'G';
    GeneratedImage image = GeneratedImage.of(png, "9", null);
    return new Outcome.Succeeded(
        new GenerationResult(id, "starter", List.of(image), Map.of(), Duration.ZERO, Duration.ZERO));
  }
}
