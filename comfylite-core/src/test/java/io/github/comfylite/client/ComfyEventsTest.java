package io.github.comfylite.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.comfylite.internal.Json;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import okio.ByteString;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ComfyEventsTest {

  private static final Map<String, Class<? extends ComfyEvent>> TYPES = Map.ofEntries(
      Map.entry("status", ComfyEvent.Status.class),
      Map.entry("feature_flags", ComfyEvent.FeatureFlags.class),
      Map.entry("execution_start", ComfyEvent.ExecutionStart.class),
      Map.entry("execution_cached", ComfyEvent.ExecutionCached.class),
      Map.entry("executing", ComfyEvent.Executing.class),
      Map.entry("progress", ComfyEvent.Progress.class),
      Map.entry("progress_state", ComfyEvent.ProgressState.class),
      Map.entry("executed", ComfyEvent.Executed.class),
      Map.entry("execution_success", ComfyEvent.ExecutionSuccess.class),
      Map.entry("execution_error", ComfyEvent.ExecutionError.class),
      Map.entry("execution_interrupted", ComfyEvent.ExecutionInterrupted.class));

  @ParameterizedTest
  @ValueSource(strings = {"ws-a-normal-run-saveimage.json", "ws-b-all-cached-rerun.json",
      "ws-c-saveimagewebsocket-legacy.json", "ws-c-saveimagewebsocket-preview-metadata.json",
      "ws-d-runtime-exception.json", "ws-e-interrupt.json", "ws-f-delete-queued-prompt.json"})
  void everyFixtureMessageParsesToItsModelledType(String fixture) {
    for (JsonNode element : Fixtures.json(fixture)) {
      if (element.has("type")) {
        ComfyEvent event = ComfyEvents.parseText(element.toString());
        assertThat(event).as(element.toString()).isInstanceOf(TYPES.get(element.get("type").asText()));
      } else if (element.has("binary")) {
        ComfyEvent event = ComfyEvents.parseBinary(ByteBuffer.wrap(Fixtures.binaryFrame(element.get("binary"))));
        assertThat(event).isInstanceOf(ComfyEvent.PreviewImage.class);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"ws-a-normal-run-saveimage.json", "ws-c-saveimagewebsocket-preview-metadata.json",
      "ws-d-runtime-exception.json"})
  void peekTypeReadsTheTypeOfEveryFixtureMessageWithoutParsing(String fixture) throws Exception {
    for (Fixtures.Frame frame : Fixtures.serverFrames(fixture)) {
      if (frame.isText()) {
        String type = Json.JSON.readTree(frame.text()).path("type").asText();
        assertThat(ComfyEvents.peekType(frame.text())).as(frame.text()).isEqualTo(type);
      }
    }
  }

  @Test
  void peekTypeReadsBothSpacingsAndGivesUpOnAnythingElse() {
    assertThat(ComfyEvents.peekType("{\"type\": \"executing\", \"data\": {}}")).isEqualTo("executing");
    assertThat(ComfyEvents.peekType("{\"type\":\"progress_state\",\"data\":{}}")).isEqualTo("progress_state");
    assertThat(ComfyEvents.peekType(" {\n \"type\" :\t\"status\"}")).isEqualTo("status");
    assertThat(ComfyEvents.peekType("{\"data\": {}, \"type\": \"executing\"}")).isNull(); // type not first
    assertThat(ComfyEvents.peekType("{\"type\": \"exec\\u0075ting\"}")).isNull(); // escaped
    assertThat(ComfyEvents.peekType("{\"type\": 3}")).isNull();
    assertThat(ComfyEvents.peekType("[\"type\"]")).isNull();
    assertThat(ComfyEvents.peekType("{\"type\": \"unterminated")).isNull();
    assertThat(ComfyEvents.peekType("")).isNull();
  }

  @Test
  void firstStatusCarriesSidAndLaterOnesDoNot() {
    List<ComfyEvent.Status> statuses = new ArrayList<>();
    for (Fixtures.Frame frame : Fixtures.serverFrames("ws-a-normal-run-saveimage.json")) {
      if (frame.isText() && ComfyEvents.parseText(frame.text()) instanceof ComfyEvent.Status s) {
        statuses.add(s);
      }
    }
    assertThat(statuses.get(0).sid()).contains("5b3f1a9e-7c2d-4e8b-9a10-3c4d5e6f7a8b");
    assertThat(statuses.get(0).queueRemaining()).isZero();
    assertThat(statuses.get(1).sid()).isEmpty();
    assertThat(statuses.get(1).queueRemaining()).isEqualTo(1);
  }

  @Test
  void executingWithNullNodeIsTheFinishedSignal() {
    ComfyEvent event = ComfyEvents.parseText("{\"type\":\"executing\",\"data\":{\"node\":null,\"prompt_id\":\"p1\"}}");
    assertThat(event).isInstanceOfSatisfying(ComfyEvent.Executing.class, e -> {
      assertThat(e.isFinished()).isTrue();
      assertThat(e.node()).isEmpty();
      assertThat(e.displayNode()).isEmpty();
      assertThat(e.forPrompt()).contains("p1");
    });
  }

  @Test
  void reconnectFormOfExecutingHasNoPromptId() {
    ComfyEvent event = ComfyEvents.parseText("{\"type\":\"executing\",\"data\":{\"node\":\"3\"}}");
    assertThat(event).isEqualTo(new ComfyEvent.Executing(Optional.empty(), Optional.of("3"), Optional.empty(),
        ((ComfyEvent.Executing) event).data()));
    assertThat(((ComfyEvent.Executing) event).isFinished()).isFalse();
    assertThat(event.forPrompt()).isEmpty();
  }

  @Test
  void executingKeepsExpandedAndNonNumericNodeIdsAsStrings() {
    ComfyEvent event = ComfyEvents.parseText(
        "{\"type\":\"executing\",\"data\":{\"node\":\"12.0.0.3\",\"display_node\":\"54:73\",\"prompt_id\":\"p\"}}");
    assertThat(event).isInstanceOfSatisfying(ComfyEvent.Executing.class, e -> {
      assertThat(e.node()).contains("12.0.0.3");
      assertThat(e.displayNode()).contains("54:73");
    });
  }

  @Test
  void executionCachedListsEveryNodeOfTheFixture() {
    ComfyEvent.ExecutionCached cached = Fixtures.serverFrames("ws-b-all-cached-rerun.json").stream()
        .filter(Fixtures.Frame::isText).map(f -> ComfyEvents.parseText(f.text()))
        .filter(ComfyEvent.ExecutionCached.class::isInstance).map(ComfyEvent.ExecutionCached.class::cast)
        .findFirst().orElseThrow();
    assertThat(cached.nodes()).isNotEmpty().allSatisfy(id -> assertThat(id).isNotBlank());
    assertThat(cached.promptId()).isNotBlank();
  }

  @Test
  void progressAcceptsIntegersAndFloatsAndOldFormWithoutIds() {
    ComfyEvent newer = ComfyEvents.parseText(
        "{\"type\":\"progress\",\"data\":{\"value\":2.0,\"max\":20,\"prompt_id\":\"p\",\"node\":\"3\"}}");
    assertThat(newer).isEqualTo(new ComfyEvent.Progress(Optional.of("p"), Optional.of("3"), 2, 20,
        ((ComfyEvent.Progress) newer).data()));
    ComfyEvent old = ComfyEvents.parseText("{\"type\":\"progress\",\"data\":{\"value\":1,\"max\":3}}");
    assertThat(old).isInstanceOfSatisfying(ComfyEvent.Progress.class, p -> {
      assertThat(p.promptId()).isEmpty();
      assertThat(p.node()).isEmpty();
      assertThat(p.value()).isEqualTo(1.0);
    });
  }

  @Test
  void executedWithNullOutputGivesNullNodeAndImagesStayInTheOutput() {
    ComfyEvent nullOutput = ComfyEvents.parseText(
        "{\"type\":\"executed\",\"data\":{\"node\":\"9\",\"display_node\":\"9\",\"output\":null,\"prompt_id\":\"p\"}}");
    assertThat(nullOutput).isInstanceOfSatisfying(ComfyEvent.Executed.class,
        e -> assertThat(e.output().isNull()).isTrue());

    ComfyEvent.Executed executed = Fixtures.serverFrames("ws-a-normal-run-saveimage.json").stream()
        .filter(Fixtures.Frame::isText).map(f -> ComfyEvents.parseText(f.text()))
        .filter(ComfyEvent.Executed.class::isInstance).map(ComfyEvent.Executed.class::cast)
        .findFirst().orElseThrow();
    assertThat(executed.node()).isEqualTo("9");
    assertThat(executed.output().path("images").get(0).path("filename").asText()).isEqualTo("ComfyUI_00001_.png");
  }

  @Test
  void executionErrorFromFixtureNamesNodeAndException() {
    ComfyEvent.ExecutionError error = Fixtures.serverFrames("ws-d-runtime-exception.json").stream()
        .filter(Fixtures.Frame::isText).map(f -> ComfyEvents.parseText(f.text()))
        .filter(ComfyEvent.ExecutionError.class::isInstance).map(ComfyEvent.ExecutionError.class::cast)
        .findFirst().orElseThrow();
    assertThat(error.nodeId()).isEqualTo("1");
    assertThat(error.nodeType()).isEqualTo("EmptyImage");
    assertThat(error.exceptionType()).isEqualTo("RuntimeError");
    assertThat(error.exceptionMessage()).endsWith("\n");
    assertThat(error.raw().path("traceback").isArray()).isTrue();
    assertThat(error.isBlocked()).isFalse();
  }

  @Test
  void executionBlockedWithArrayCurrentInputsAndNoTimestampParses() {
    ComfyEvent event = ComfyEvents.parseText("{\"type\":\"execution_error\",\"data\":{\"prompt_id\":\"p\","
        + "\"node_id\":\"5\",\"node_type\":\"Block\",\"executed\":[],\"exception_message\":\"stop\","
        + "\"exception_type\":\"ExecutionBlocked\",\"traceback\":[],\"current_inputs\":[],\"current_outputs\":[]}}");
    assertThat(event).isInstanceOfSatisfying(ComfyEvent.ExecutionError.class, e -> {
      assertThat(e.isBlocked()).isTrue();
      assertThat(e.raw().path("current_inputs").isArray()).isTrue();
    });
  }

  @Test
  void executionInterruptedFromFixtureNamesTheRunningNode() {
    ComfyEvent.ExecutionInterrupted interrupted = Fixtures.serverFrames("ws-e-interrupt.json").stream()
        .filter(Fixtures.Frame::isText).map(f -> ComfyEvents.parseText(f.text()))
        .filter(ComfyEvent.ExecutionInterrupted.class::isInstance).map(ComfyEvent.ExecutionInterrupted.class::cast)
        .findFirst().orElseThrow();
    assertThat(interrupted.nodeId()).isEqualTo("3");
    assertThat(interrupted.nodeType()).isEqualTo("KSampler");
  }

  @Test
  void unknownTypesKeepTheWholeMessage() {
    ComfyEvent event = ComfyEvents.parseText(
        "{\"type\":\"crystools.monitor\",\"data\":{\"cpu_utilization\":12.5,\"gpus\":[]}}");
    assertThat(event).isInstanceOfSatisfying(ComfyEvent.Unknown.class, u -> {
      assertThat(u.type()).isEqualTo("crystools.monitor");
      assertThat(u.raw().path("data").path("cpu_utilization").asDouble()).isEqualTo(12.5);
    });
    assertThat(ComfyEvents.parseText("{\"data\":{}}")).isEqualTo(
        new ComfyEvent.Unknown("", ((ComfyEvent.Unknown) ComfyEvents.parseText("{\"data\":{}}")).raw()));
  }

  @Test
  void knownTypeMissingItsPromptIdBecomesUnknownInsteadOfFailing() {
    assertThat(ComfyEvents.parseText("{\"type\":\"execution_start\",\"data\":{}}"))
        .isInstanceOf(ComfyEvent.Unknown.class);
  }

  @Test
  void bigIntegersNanAndWholeFloatsParse() {
    ComfyEvent event = ComfyEvents.parseText("{\"type\":\"progress_state\",\"data\":{\"prompt_id\":\"p\","
        + "\"nodes\":{\"3\":{\"value\":NaN,\"max\":8.0,\"seed\":18446744073709551615,\"inf\":Infinity}}}}");
    assertThat(event).isInstanceOfSatisfying(ComfyEvent.ProgressState.class, s -> {
      JsonNode node = s.nodes().path("3");
      assertThat(node.path("value").asDouble()).isNaN();
      assertThat(node.path("max").asInt()).isEqualTo(8);
      assertThat(node.path("seed").bigIntegerValue()).isEqualTo(new BigInteger("18446744073709551615"));
      assertThat(node.path("inf").asDouble()).isInfinite();
    });
  }

  @Test
  void textFrameThatIsNotJsonIsReported() {
    assertThatThrownBy(() -> ComfyEvents.parseText("not json")).isInstanceOf(UncheckedIOException.class);
  }

  @Test
  void legacyPreviewMimeTypeComesFromMagicBytesNotTheFormatCode() {
    // Format code 1 (JPEG) but PNG bytes: custom nodes do this; the magic bytes win.
    byte[] png = Fixtures.image(Fixtures.PNG_MAGIC, 100);
    ComfyEvent event = ComfyEvents.parseBinary(ByteBuffer.wrap(Fixtures.event1(1, png)));
    assertThat(event).isInstanceOfSatisfying(ComfyEvent.PreviewImage.class, p -> {
      assertThat(p.event()).isEqualTo(1);
      assertThat(p.mimeType()).isEqualTo("image/png");
      assertThat(p.bytes()).isEqualTo(png);
      assertThat(p.metadata()).isEmpty();
      assertThat(p.promptId()).isEmpty();
      assertThat(p.nodeId()).isEmpty();
    });
  }

  @Test
  void metadataPreviewCarriesPromptAndNodeFromItsMetadata() {
    byte[] jpeg = Fixtures.image(Fixtures.JPEG_MAGIC, 64);
    String meta = "{\"node_id\":\"save_ws\",\"prompt_id\":\"p1\",\"display_node_id\":\"7\",\"parent_node_id\":null,"
        + "\"real_node_id\":\"save_ws\",\"image_type\":\"image/png\"}";
    // Read through ByteString's read-only view, as the socket does.
    ComfyEvent event = ComfyEvents.parseBinary(ByteString.of(Fixtures.event4(meta, jpeg)).asByteBuffer());
    assertThat(event).isInstanceOfSatisfying(ComfyEvent.PreviewImage.class, p -> {
      assertThat(p.event()).isEqualTo(4);
      assertThat(p.mimeType()).isEqualTo("image/jpeg"); // image_type said png; the bytes say jpeg
      assertThat(p.bytes()).isEqualTo(jpeg);
      assertThat(p.promptId()).contains("p1");
      assertThat(p.nodeId()).contains("save_ws");
      assertThat(p.displayNodeId()).contains("7");
      assertThat(p.forPrompt()).contains("p1");
    });
  }

  @Test
  void textFrameCarriesNodeIdAndUtf8Text() {
    ComfyEvent event = ComfyEvents.parseBinary(ByteBuffer.wrap(Fixtures.event3("54:73", "résultat → https://x/y")));
    assertThat(event).isEqualTo(new ComfyEvent.Text("54:73", "résultat → https://x/y"));
  }

  @Test
  void unknownAndTruncatedBinaryFramesAreReportedNotThrown() {
    assertThat(ComfyEvents.parseBinary(ByteBuffer.wrap(new byte[] {0, 0, 0, 7, 1, 2, 3})))
        .isEqualTo(new ComfyEvent.UnknownBinary(7, 7));
    assertThat(ComfyEvents.parseBinary(ByteBuffer.wrap(new byte[] {0, 0})))
        .isEqualTo(new ComfyEvent.UnknownBinary(-1, 2));
    byte[] lyingLength = ByteBuffer.allocate(12).putInt(4).putInt(1000).putInt(0).array();
    assertThat(ComfyEvents.parseBinary(ByteBuffer.wrap(lyingLength))).isEqualTo(new ComfyEvent.UnknownBinary(4, 12));
    byte[] badMetadata = Fixtures.event4("{not json", new byte[] {1});
    assertThat(ComfyEvents.parseBinary(ByteBuffer.wrap(badMetadata))).isInstanceOf(ComfyEvent.UnknownBinary.class);
  }

  @Test
  void legacyFixtureFramesArePngsAndSamplerPreviewsAreJpegs() {
    List<String> legacy = mimeTypes("ws-c-saveimagewebsocket-legacy.json");
    List<String> sampler = mimeTypes("ws-a-normal-run-saveimage.json");
    assertThat(legacy).containsExactly("image/png", "image/png");
    assertThat(sampler).containsExactly("image/jpeg", "image/jpeg", "image/jpeg");
  }

  private static List<String> mimeTypes(String fixture) {
    List<String> types = new ArrayList<>();
    for (Fixtures.Frame frame : Fixtures.serverFrames(fixture)) {
      if (!frame.isText()) {
        types.add(((ComfyEvent.PreviewImage) ComfyEvents.parseBinary(frame.binary().asByteBuffer())).mimeType());
      }
    }
    return types;
  }
}
