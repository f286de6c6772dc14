package io.github.comfylite.server;

import io.github.comfylite.testkit.FakeComfyUi;
import java.time.Duration;

/**
 * Demo mode ({@code --demo} or {@code COMFYUI_ADDRESS=demo}): an embedded {@link FakeComfyUi} that behaves like a
 * real ComfyUI on a fast GPU, with live previews, so a newcomer sees the whole flow (request, progress, webhook with
 * real PNGs) with no GPU and no model files. The images are synthetic.
 */
final class Demo {
  /** Per node: long enough to watch progress with {@code GET /prompts/{id}}, short enough to feel quick. */
  static final Duration NODE_TIME = Duration.ofMillis(150);

  private Demo() {}

  /**
   * Starts the fake on a free loopback port.
   *
   * @throws java.io.UncheckedIOException if no port can be bound
   */
  static FakeComfyUi startFake() {
    return FakeComfyUi.builder().executionTime(NODE_TIME).livePreviews(true).build().start();
  }
}
