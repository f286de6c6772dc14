package io.github.comfylite.testkit;

import static io.github.comfylite.testkit.FakeClient.fixture;
import static io.github.comfylite.testkit.FakeClient.graph;
import static io.github.comfylite.testkit.FakeClient.newId;
import static io.github.comfylite.testkit.FakeClient.post;
import static io.github.comfylite.testkit.FakeClient.submit;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * For each WebSocket fixture (a)–(f), drives the fake the way the fixture's client did and compares
 * what a real OkHttp WebSocket client receives, frame by frame, ignoring timestamps, ids, file
 * names, byte counts and tracebacks. The fake reproduces ComfyUI's scheduling order, so the whole
 * sequence is compared, which implies the per-node subsequences the fixtures README guarantees.
 */
class FakeComfyUiConformanceTest {
    private FakeComfyUi fake;
    private final List<WsRecorder> sockets = new ArrayList<>();

    @AfterEach
    void tearDown() {
        sockets.forEach(WsRecorder::close);
        if (fake != null) {
            fake.close();
        }
    }

    private WsRecorder connect(String clientId) {
        WsRecorder r = WsRecorder.connect(FakeClient.HTTP, fake.url(), clientId);
        sockets.add(r);
        return r;
    }

    @Test
    void normalRunWithSaveImageAndLivePreviewsMatchesFixtureA() {
        fake = FakeComfyUi.builder().livePreviews(true).build().start();
        String clientId = newId();
        WsRecorder ws = connect(clientId);
        List<JsonNode> seen = new ArrayList<>();
        seen.add(ws.next());
        ObjectNode graph = graph("workflow-api-sd15-txt2img.json");
        ((ObjectNode) graph.get("3").get("inputs")).put("steps", 3);
        String promptId = newId();
        assertThat(submit(fake.url(), graph, clientId, promptId).code()).isEqualTo(200);
        seen.addAll(ws.untilDone(promptId));

        assertMatches(seen, "ws-a-normal-run-saveimage.json");
        assertThat(ws.images).hasSize(3).allSatisfy(jpeg -> assertThat(jpeg).startsWith(0xFF, 0xD8, 0xFF));
    }

    @Test
    void identicalRerunIsFullyCachedAndMatchesFixtureB() {
        fake = FakeComfyUi.builder().build().start();
        String clientId = newId();
        WsRecorder ws = connect(clientId);
        ws.next();
        String first = newId();
        submit(fake.url(), graph("workflow-api-emptyimage-saveimage.json"), clientId, first);
        List<JsonNode> firstRun = ws.untilDone(first);
        String second = newId();
        submit(fake.url(), graph("workflow-api-emptyimage-saveimage.json"), clientId, second);
        List<JsonNode> seen = ws.untilDone(second);

        assertMatches(seen, "ws-b-all-cached-rerun.json");
        JsonNode firstFile = find(firstRun, "executed").path("data").path("output");
        JsonNode secondFile = find(seen, "executed").path("data").path("output");
        assertThat(secondFile).isEqualTo(firstFile);
    }

    @Test
    void saveImageWebsocketWithoutFeatureFlagsSendsLegacyFramesLikeFixtureC() {
        fake = FakeComfyUi.builder().build().start();
        String clientId = newId();
        WsRecorder ws = connect(clientId);
        ws.next();
        String promptId = newId();
        submit(fake.url(), graph("workflow-api-emptyimage-saveimagewebsocket.json"), clientId, promptId);
        List<JsonNode> seen = ws.untilDone(promptId);

        assertMatches(seen, "ws-c-saveimagewebsocket-legacy.json");
        assertThat(ws.images).hasSize(2).allSatisfy(png -> assertThat(Images.dimensions(png)).containsExactly(512, 512));
    }

    @Test
    void saveImageWebsocketAfterFeatureFlagsSendsMetadataFramesLikeFixtureC() {
        fake = FakeComfyUi.builder().build().start();
        // The run before, which leaves node "1" cached.
        String before = fake.submitForeignPrompt(graph("workflow-api-emptyimage-saveimagewebsocket.json"), true);
        fake.awaitRunning(before, WsRecorder.WAIT);
        fake.awaitIdle(WsRecorder.WAIT);

        String clientId = newId();
        WsRecorder ws = connect(clientId);
        List<JsonNode> seen = new ArrayList<>();
        seen.add(ws.next());
        ws.send("{\"type\":\"feature_flags\",\"data\":{\"supports_preview_metadata\":true}}");
        seen.add(ws.next());
        String promptId = newId();
        submit(fake.url(), graph("workflow-api-emptyimage-saveimagewebsocket.json"), clientId, promptId);
        seen.addAll(ws.untilDone(promptId));

        assertMatches(seen, "ws-c-saveimagewebsocket-preview-metadata.json");
        assertThat(find(seen, "binary").path("binary").path("metadata").path("prompt_id").asText()).isEqualTo(promptId);
    }

    @Test
    void nodeRaisingAtRunTimeSendsExecutionErrorLikeFixtureD() {
        fake = FakeComfyUi.builder().build().start();
        fake.failNode("EmptyImage", "[enforce fail at alloc_cpu.cpp:121] data. DefaultCPUAllocator: not enough memory: "
                + "you tried to allocate 4398046511104 bytes.");
        String clientId = newId();
        WsRecorder ws = connect(clientId);
        ws.next();
        ObjectNode graph = graph("workflow-api-emptyimage-saveimage.json");
        ((ObjectNode) graph.get("1").get("inputs")).put("width", 16384).put("height", 16384).put("batch_size", 4096);
        String promptId = newId();
        assertThat(submit(fake.url(), graph, clientId, promptId).code()).isEqualTo(200);
        List<JsonNode> seen = ws.untilDone(promptId);

        assertMatches(seen, "ws-d-runtime-exception.json");
    }

    @Test
    void interruptDuringSamplingSendsExecutionInterruptedLikeFixtureE() {
        fake = FakeComfyUi.builder().build().start();
        fake.setNodeExecutionTime("KSampler", Duration.ofSeconds(10)); // 0.5 s per step: room to interrupt in step 3
        String clientId = newId();
        WsRecorder ws = connect(clientId);
        ws.next();
        String promptId = newId();
        submit(fake.url(), graph("workflow-api-sd15-txt2img.json"), clientId, promptId);
        List<JsonNode> seen = new ArrayList<>(ws.until(f -> WsRecorder.isType(f, "progress") && f.path("data").path("value").asInt() == 2));
        post(fake.url(), "interrupt", "{\"prompt_id\":\"" + promptId + "\"}");
        seen.addAll(ws.untilDone(promptId));

        assertMatches(seen, "ws-e-interrupt.json");
    }

    @Test
    void deletingAQueuedPromptSendsOnlyStatusLikeFixtureF() {
        fake = FakeComfyUi.builder().build().start();
        fake.setNodeExecutionTime("KSampler", Duration.ofMillis(1600)); // 0.4 s per step
        String clientId = newId();
        WsRecorder ws = connect(clientId);
        ws.next();
        ObjectNode a = graph("workflow-api-sd15-txt2img.json");
        ((ObjectNode) a.get("3").get("inputs")).put("steps", 4);
        String promptA = newId();
        submit(fake.url(), a, clientId, promptA);
        List<JsonNode> seen = new ArrayList<>(ws.until(f -> WsRecorder.isType(f, "progress") && f.path("data").path("value").asInt() == 1));
        String promptB = newId();
        submit(fake.url(), graph("workflow-api-emptyimage-saveimage.json"), clientId, promptB);
        seen.addAll(ws.until(f -> WsRecorder.isType(f, "progress") && f.path("data").path("value").asInt() == 2));
        post(fake.url(), "queue", "{\"delete\":[\"" + promptB + "\"]}");
        seen.addAll(ws.untilDone(promptA));

        assertMatches(seen, "ws-f-delete-queued-prompt.json");
        assertThat(FakeClient.get(fake.url(), "history/" + promptB).json()).isEmpty();
    }

    // ------------------------------------------------------------------ comparison

    private static JsonNode find(List<JsonNode> frames, String type) {
        for (JsonNode f : frames) {
            if (WsRecorder.isType(f, type) || type.equals("binary") && f.has("binary")) {
                return f;
            }
        }
        throw new AssertionError("no " + type + " frame in " + frames);
    }

    private static void assertMatches(List<JsonNode> actual, String fixtureName) {
        List<JsonNode> expected = new ArrayList<>();
        for (JsonNode f : fixture(fixtureName)) {
            if (!f.has("client_action") && !f.has("client_sends")) {
                expected.add(normalize(f));
            }
        }
        List<JsonNode> got = new ArrayList<>();
        actual.forEach(f -> got.add(normalize(f)));
        for (int i = 0; i < Math.min(expected.size(), got.size()); i++) {
            assertThat(got.get(i)).as("frame %d of %s", i, fixtureName).isEqualTo(expected.get(i));
        }
        assertThat(got).as("frame count of %s", fixtureName).hasSameSizeAs(expected);
    }

    /** Replaces what differs between runs (ids, timestamps, file names, sizes, tracebacks) by placeholders. */
    static JsonNode normalize(JsonNode node) {
        JsonNode copy = node.deepCopy();
        scrub(copy);
        return copy;
    }

    private static void scrub(JsonNode node) {
        if (node instanceof ObjectNode o) {
            Iterator<Map.Entry<String, JsonNode>> it = o.fields();
            List<String> names = new ArrayList<>();
            it.forEachRemaining(e -> names.add(e.getKey()));
            for (String k : names) {
                JsonNode v = o.get(k);
                switch (k) {
                    case "timestamp":
                    case "prompt_id":
                    case "sid":
                    case "filename":
                    case "traceback":
                        o.put(k, "<" + k + ">");
                        break;
                    case "bytes":
                        o.remove(k);
                        break;
                    default:
                        scrub(v);
                }
            }
        } else if (node instanceof ArrayNode a) {
            a.forEach(FakeComfyUiConformanceTest::scrub);
        }
    }
}
