package io.github.comfylite;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.comfylite.result.FailureKind;
import io.github.comfylite.result.GeneratedImage;
import io.github.comfylite.result.GenerationResult;
import io.github.comfylite.result.Outcome;
import io.github.comfylite.testkit.FakeComfyUi;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Files are downloaded as soon as an {@code executed} event names them, while the prompt still runs; which images the
 * result has, in which order, is what the events or the history name (see the tracker's collect), and a prompt that
 * fails delivers none.
 */
class EarlyDownloadTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final Path WORKFLOWS = Path.of("src/test/resources/tracker");

  private final BlockingQueue<String> views = new LinkedBlockingQueue<>();
  private FakeComfyUi fake;
  private OkHttpClient http;
  private ComfyLite comfy;

  @BeforeEach
  void start() {
    fake = FakeComfyUi.builder().build().start();
    http = new OkHttpClient.Builder().addInterceptor(chain -> {
      if (chain.request().url().encodedPath().endsWith("/view")) {
        views.add(chain.request().url().queryParameter("filename"));
      }
      return chain.proceed(chain.request());
    }).build();
    comfy = ComfyLite.builder().comfyUrl(fake.url())
        .workflowDirectories(WORKFLOWS.resolve("templates"), WORKFLOWS.resolve("configs"))
        .okHttpClient(http).build();
  }

  @AfterEach
  void stop() {
    comfy.close();
    fake.close();
    http.dispatcher().executorService().shutdown();
    http.connectionPool().evictAll();
  }

  private static GenerationRequest twoSaves() {
    return GenerationRequest.builder("two_saves").param("color", (int) (Math.random() * 0xffffff)).build();
  }

  private String nextView() throws InterruptedException {
    String name = views.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(name).as("a GET /view within " + WAIT).isNotNull();
    return name;
  }

  @Test
  void aSavedFileIsDownloadedWhileThePromptStillRuns() throws Exception {
    fake.setNodeExecutionTime("3", Duration.ofMinutes(5)); // ends early on releaseExecution()
    PromptHandle handle = comfy.submit(twoSaves());

    String first = nextView();

    assertThat(first).startsWith("comfylite-first");
    assertThat(handle.outcome()).isNotDone();
    fake.releaseExecution();
    assertThat(handle.result()).succeedsWithin(WAIT);
    List<GeneratedImage> images = handle.result().join().images();
    assertThat(images).extracting(GeneratedImage::nodeId).containsExactly("2", "4");
    assertThat(images.get(0).file().orElseThrow().filename()).isEqualTo(first);
    assertThat(images.get(0).mimeType()).isEqualTo("image/png");
    // The early download was used, not repeated: the second file is the only other one fetched.
    assertThat(nextView()).startsWith("comfylite-second");
    assertThat(views).isEmpty();
  }

  @Test
  void aPromptThatFailsAfterAFileWasDownloadedDeliversNoImages() throws Exception {
    fake.setNodeExecutionTime("3", Duration.ofMinutes(5));
    PromptHandle handle = comfy.submit(twoSaves());
    assertThat(nextView()).startsWith("comfylite-first");

    fake.interrupt();

    assertThat(handle.outcome()).succeedsWithin(WAIT);
    Outcome outcome = handle.outcome().join();
    assertThat(outcome).isInstanceOf(Outcome.Failed.class);
    assertThat(outcome.asFailed().kind()).isEqualTo(FailureKind.INTERRUPTED);
    assertThat(comfy.inFlight()).isZero();
    assertThat(views).isEmpty();
  }

  @Test
  void aPromptThatFailsOnALaterNodeDeliversNoImages() {
    fake.failNode("3", "RuntimeError", "boom");

    PromptHandle handle = comfy.submit(twoSaves());

    assertThat(handle.outcome()).succeedsWithin(WAIT);
    assertThat(handle.outcome().join().asFailed().kind()).isEqualTo(FailureKind.EXECUTION);
  }

  @Test
  void aCachedRerunGetsTheSameImagesInHistoryOrder() {
    GenerationRequest request = twoSaves();
    assertThat(comfy.generate(request)).succeedsWithin(WAIT);
    GenerationResult first = comfy.generate(request).join();

    GenerationResult again = comfy.generate(request).join();

    assertThat(again.images()).extracting(GeneratedImage::nodeId).containsExactly("2", "4");
    assertThat(again.images()).extracting(i -> i.file().orElseThrow())
        .containsExactlyElementsOf(first.images().stream().map(i -> i.file().orElseThrow()).toList());
    for (int i = 0; i < 2; i++) {
      assertThat(again.images().get(i).bytes()).isEqualTo(first.images().get(i).bytes());
    }
  }
}
