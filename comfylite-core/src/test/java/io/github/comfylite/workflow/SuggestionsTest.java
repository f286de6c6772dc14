package io.github.comfylite.workflow;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SuggestionsTest {
  @Test
  void suggestsTheClosestCandidate() {
    assertThat(Suggestions.closest("widht", List.of("height", "width", "seed"))).contains("width");
    assertThat(Suggestions.closest("PROMPT", List.of("prompt"))).contains("prompt");
  }

  @Test
  void suggestsNothingWhenNothingIsClose() {
    assertThat(Suggestions.closest("negative", List.of("width", "seed"))).isEmpty();
    assertThat(Suggestions.didYouMean("x", List.of())).isEmpty();
  }

  @Test
  void measuresEditDistance() {
    assertThat(Suggestions.distance("kitten", "sitting")).isEqualTo(3);
    assertThat(Suggestions.distance("", "abc")).isEqualTo(3);
    assertThat(Suggestions.distance("same", "same")).isZero();
  }
}
