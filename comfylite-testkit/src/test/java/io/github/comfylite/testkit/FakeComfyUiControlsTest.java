package io.github.comfylite.testkit;

import static io.github.comfylite.testkit.FakeClient.get;
import static io.github.comfylite.testkit.FakeClient.graph;
import static io.github.comfylite.testkit.FakeClient.newId;
import static io.github.comfylite.testkit.FakeClient.submit;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import okhttp3.MediaType;
import okhttp3.MultipartBody;
import okhttp3.Request;
import okhttp3.RequestBody;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The test controls: hold, drops, restart, old-server mode, reconnects, foreign prompts, uploads. */
class FakeComfyUiControlsTest {
    private static final Duration WAIT = WsRecorder.WAIT;
    private FakeComfyUi fake = FakeComfyUi.builder().build().start();
    private final List<WsRecorder> sockets = new ArrayList<>();

    @AfterEach
    void tearDown() {
        sockets.forEach(WsRecorder::close);
        fake.close();
    }

    private WsRecorder connect(String clientId) {
        WsRecorder r = WsRecorder.connect(FakeClient.HTTP, fake.url(), clientId);
        sockets.add(r);
        return r;
    }

    private static List<String> types(List<JsonNode> frames) {
        List<String> t = new ArrayList<>();
        frames.forEach(f -> t.add(f.has("binary") ? "binary" : f.path("type").asText()));
        return t;
    }

    @Test
    void requestCountCountsAPathAndItsSubpathsWithOrWithoutTheApiAlias() {
        String id = newId();
        submit(fake.url(), graph("workflow-api-emptyimage-saveimage.json"), null, id);
        fake.awaitIdle(WAIT);
        get(fake.url(), "history/" + id);
        get(fake.url(), "api/history/" + id);
        get(fake.url(), "history?max_items=1");
        get(fake.url(), "queue");

        assertThat(fake.requestCount("/history")).isEqualTo(3);
        assertThat(fake.requestCount("/history/" + id)).isEqualTo(2);
        assertThat(fake.requestCount("/prompt")).isEqualTo(1);
        assertThat(fake.requestCount("/queue")).isEqualTo(1);
        assertThat(fake.requestCount("/hist")).isZero(); // a path, not a string prefix
        assertThat(fake.requestCount("/view")).isZero();
        fake.restart();
        assertThat(fake.requestCount("/history")).isEqualTo(3);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> fake.requestCount("history"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must start with '/'");
    }

    @Test
    void failNextRequestsFailsExactlyThatManyRequestsOnThatPathWith500() {
        String id = newId();
        submit(fake.url(), graph("workflow-api-emptyimage-saveimage.json"), null, id);
        fake.awaitIdle(WAIT);
        JsonNode image = get(fake.url(), "history/" + id).json().path(id).path("outputs").path("2").path("images").get(0);
        String view = "view?filename=" + image.path("filename").asText() + "&type=output";

        fake.failNextRequests("/view", 2);

        assertThat(get(fake.url(), "history/" + id).code()).isEqualTo(200); // another path is not affected
        assertThat(get(fake.url(), view).code()).isEqualTo(500);
        assertThat(get(fake.url(), "api/" + view).code()).isEqualTo(500);
        assertThat(get(fake.url(), view).code()).isEqualTo(200);
        fake.failNextRequests("/history", 1);
        assertThat(get(fake.url(), "history/" + id).code()).isEqualTo(500); // below the path counts too
        fake.failNextRequests("/view", 1);
        fake.clearFailures();
        assertThat(get(fake.url(), view).code()).isEqualTo(200);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> fake.failNextRequests("/view", -1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 0");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> fake.failNextRequests("view", 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must start with '/'");
    }

    @Test
    void heldSocketFramesArriveInOrderOnReleaseWhileHttpIsAnsweredAtOnce() {
        String clientId = newId();
        WsRecorder ws = connect(clientId);
        ws.next();
        fake.holdSocketFrames();
        String id = newId();

        submit(fake.url(), graph("workflow-api-emptyimage-saveimage.json"), clientId, id);
        fake.awaitIdle(WAIT);

        // The run is over and its history written, but not one of its frames has gone out.
        assertThat(get(fake.url(), "history/" + id).json().has(id)).isTrue();
        assertThat(ws.frames).isEmpty();
        fake.releaseSocketFrames();
        List<JsonNode> frames = ws.until(f -> WsRecorder.isType(f, "executing") && f.path("data").path("node").isNull());
        assertThat(types(frames)).startsWith("status", "status", "execution_start", "execution_cached")
                .endsWith("execution_success", "status", "executing");
    }

    @Test
    void holdExecutionStopsBeforeTheFirstNodeUntilReleased() {
        String clientId = newId();
        WsRecorder ws = connect(clientId);
        ws.next();
        fake.holdExecution();
        String id = newId();
        submit(fake.url(), graph("workflow-api-emptyimage-saveimage.json"), clientId, id);
        fake.awaitRunning(id, WAIT);
        assertThat(types(ws.until(f -> WsRecorder.isType(f, "execution_cached"))))
                .containsExactly("status", "status", "execution_start", "execution_cached");
        assertThat(get(fake.url(), "queue").json().path("queue_running").get(0).get(1).asText()).isEqualTo(id);
        assertThat(ws.frames).isEmpty();

        fake.releaseExecution();
        assertThat(types(ws.untilDone(id))).contains("executing", "executed", "execution_success");
    }

    @Test
    void anInterruptEndsTheHoldSoTheHeldPromptEndsAndLaterOnesRun() {
        fake.holdExecution();
        String first = newId();
        String second = newId();
        submit(fake.url(), graph("workflow-api-emptyimage-saveimage.json"), null, first);
        submit(fake.url(), graph("workflow-api-emptyimage-saveimage.json"), null, second);
        fake.awaitRunning(first, WAIT);

        fake.interrupt();

        fake.awaitIdle(WAIT); // without a releaseExecution()
        JsonNode messages = get(fake.url(), "history/" + first).json().path(first).path("status").path("messages");
        assertThat(messages.get(messages.size() - 1).get(0).asText()).isEqualTo("execution_interrupted");
        assertThat(get(fake.url(), "history/" + second).json().path(second).path("status").path("status_str").asText())
                .isEqualTo("success");
    }

    @Test
    void interruptCutsALongExecutionTimeShort() {
        fake.setExecutionTime(Duration.ofHours(1));
        String id = newId();
        submit(fake.url(), graph("workflow-api-emptyimage-saveimage.json"), null, id);
        fake.awaitRunning(id, WAIT);
        fake.interrupt();
        fake.awaitIdle(WAIT);
        JsonNode messages = get(fake.url(), "history/" + id).json().path(id).path("status").path("messages");
        assertThat(messages.get(messages.size() - 1).get(0).asText()).isEqualTo("execution_interrupted");
    }

    @Test
    void dropSocketsAbortsConnectionsAndEventsWhileAwayAreLost() throws Exception {
        String clientId = newId();
        WsRecorder ws = connect(clientId);
        ws.next();
        fake.dropSockets();
        assertThat(ws.failed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isNotNull();
        fake.awaitOpenSockets(0, WAIT);

        String id = newId();
        submit(fake.url(), graph("workflow-api-emptyimage-saveimage.json"), clientId, id);
        fake.awaitIdle(WAIT);
        WsRecorder again = connect(clientId);
        JsonNode first = again.next();
        assertThat(first.path("data").path("sid").asText()).isEqualTo(clientId);
        assertThat(first.path("data").path("status").path("exec_info").path("queue_remaining").asInt()).isZero();
        assertThat(get(fake.url(), "history/" + id).json().has(id)).isTrue();
    }

    @Test
    void dropSocketsAfterDeliversExactlyThatManyFramesThenAborts() throws Exception {
        String clientId = newId();
        WsRecorder ws = connect(clientId);
        ws.next();
        fake.dropSocketsAfter(3);
        submit(fake.url(), graph("workflow-api-emptyimage-saveimage.json"), clientId, newId());
        assertThat(ws.failed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isNotNull();
        List<JsonNode> got = new ArrayList<>();
        ws.frames.drainTo(got);
        assertThat(types(got)).containsExactly("status", "status", "execution_start");
    }

    @Test
    void dropSocketsBeforeWithholdsThatEvent() throws Exception {
        String clientId = newId();
        WsRecorder ws = connect(clientId);
        ws.next();
        fake.dropSocketsBefore("executing");
        submit(fake.url(), graph("workflow-api-emptyimage-saveimage.json"), clientId, newId());
        assertThat(ws.failed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isNotNull();
        List<JsonNode> got = new ArrayList<>();
        ws.frames.drainTo(got);
        assertThat(types(got)).containsExactly("status", "status", "execution_start", "execution_cached",
                "progress_state");
    }

    @Test
    void reconnectingDuringARunGetsStatusThenExecutingWithoutPromptIdAndTheRestOfTheEvents() {
        fake.setNodeExecutionTime("KSampler", Duration.ofHours(1));
        String clientId = newId();
        WsRecorder old = connect(clientId);
        old.next();
        String id = newId();
        submit(fake.url(), graph("workflow-api-sd15-txt2img.json"), clientId, id);
        old.until(f -> WsRecorder.isType(f, "executing") && "3".equals(f.path("data").path("node").asText()));

        WsRecorder fresh = connect(clientId);
        JsonNode status = fresh.next();
        assertThat(status.path("data").path("sid").asText()).isEqualTo(clientId);
        JsonNode executing = fresh.next();
        assertThat(executing.path("type").asText()).isEqualTo("executing");
        assertThat(executing.path("data").path("node").asText()).isEqualTo("3");
        assertThat(executing.path("data").has("prompt_id")).isFalse();
        assertThat(executing.path("data").has("display_node")).isFalse();

        fake.interrupt();
        assertThat(types(fresh.untilDone(id))).containsExactly("execution_interrupted", "status", "executing");
        assertThat(old.frames).isEmpty(); // the replaced socket gets nothing, broadcasts included
    }

    @Test
    void reconnectRaceBugSilencesTheNewSocketWhenTheOldOneClosesLate() throws Exception {
        fake.close();
        fake = FakeComfyUi.builder().reconnectRaceBug(true).build().start();
        String clientId = newId();
        WsRecorder old = connect(clientId);
        old.next();
        WsRecorder fresh = connect(clientId);
        fresh.next();
        old.close();
        old.closed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        fake.awaitOpenSockets(1, WAIT);

        WsRecorder witness = connect(newId());
        witness.next();
        String id = newId();
        submit(fake.url(), graph("workflow-api-emptyimage-saveimage.json"), clientId, id);
        witness.until(f -> WsRecorder.isType(f, "status")
                && f.path("data").path("status").path("exec_info").path("queue_remaining").asInt() == 0);
        fake.awaitIdle(WAIT);
        assertThat(fresh.frames.poll(200, TimeUnit.MILLISECONDS)).isNull();
    }

    @Test
    void aSocketIsRegisteredBeforeItsClientSeesTheUpgrade() {
        String clientId = newId();
        WsRecorder ws = connect(clientId); // returns on the 101, before any frame is read
        String id = newId();

        submit(fake.url(), graph("workflow-api-emptyimage-saveimage.json"), clientId, id);

        assertThat(types(ws.untilDone(id))).startsWith("status").contains("execution_start", "execution_success");
    }

    @Test
    void withTheRaceBugAClientReconnectingAtOnceAfterADropStaysRegistered() throws Exception {
        fake.close();
        fake = FakeComfyUi.builder().reconnectRaceBug(true).build().start();
        String clientId = newId();
        WsRecorder old = connect(clientId);
        old.next();
        fake.dropSockets();
        assertThat(old.failed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isNotNull();

        // The fake may notice the dropped socket's end after this one registers; its cleanup ran at the drop.
        WsRecorder fresh = connect(clientId);
        fresh.next();
        String id = newId();
        submit(fake.url(), graph("workflow-api-emptyimage-saveimage.json"), clientId, id);
        assertThat(types(fresh.untilDone(id))).contains("execution_success");
    }

    @Test
    void withoutTheRaceBugAClosingOldSocketLeavesTheNewOneRegistered() throws Exception {
        String clientId = newId();
        WsRecorder old = connect(clientId);
        old.next();
        WsRecorder fresh = connect(clientId);
        fresh.next();
        old.close();
        old.closed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        fake.awaitOpenSockets(1, WAIT);
        String id = newId();
        submit(fake.url(), graph("workflow-api-emptyimage-saveimage.json"), clientId, id);
        assertThat(types(fresh.untilDone(id))).contains("execution_success");
    }

    @Test
    void restartForgetsQueueHistoryAndSocketsButKeepsOutputFiles() throws Exception {
        String done = newId();
        submit(fake.url(), graph("workflow-api-emptyimage-saveimage.json"), null, done);
        fake.awaitIdle(WAIT);
        fake.setNodeExecutionTime("KSampler", Duration.ofHours(1));
        String clientId = newId();
        WsRecorder ws = connect(clientId);
        ws.next();
        String running = newId();
        submit(fake.url(), graph("workflow-api-sd15-txt2img.json"), clientId, running);
        String pending = newId();
        submit(fake.url(), graph("workflow-api-emptyimage-saveimagewebsocket.json"), clientId, pending);
        fake.awaitRunning(running, WAIT);

        fake.restart();
        assertThat(ws.failed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isNotNull();
        JsonNode queue = get(fake.url(), "queue").json();
        assertThat(queue.path("queue_running")).isEmpty();
        assertThat(queue.path("queue_pending")).isEmpty();
        assertThat(get(fake.url(), "history").json()).isEmpty();
        assertThat(get(fake.url(), "view?filename=ComfyUI_00001_.png").code()).isEqualTo(200);
        WsRecorder again = connect(clientId);
        assertThat(again.next().path("data").path("status").path("exec_info").path("queue_remaining").asInt()).isZero();
        JsonNode reply = submit(fake.url(), graph("workflow-api-emptyimage-saveimage.json"), clientId, newId()).json();
        assertThat(reply.path("number").asInt()).isZero();
        fake.awaitIdle(WAIT);
    }

    @Test
    void oldServerIgnoresPromptIdAndFlagsAndSendsNoSuccessOrProgressState() {
        fake.close();
        fake = FakeComfyUi.builder().oldServer(true).build().start();
        assertThat(get(fake.url(), "features").code()).isEqualTo(404);
        assertThat(get(fake.url(), "system_stats").json().path("system").has("comfyui_version")).isFalse();
        String clientId = newId();
        WsRecorder ws = connect(clientId);
        ws.next();
        ws.send("{\"type\":\"feature_flags\",\"data\":{\"supports_preview_metadata\":true}}");
        String mine = newId();
        JsonNode reply = submit(fake.url(), graph("workflow-api-emptyimage-saveimagewebsocket.json"), clientId, mine).json();
        String id = reply.path("prompt_id").asText();
        assertThat(id).isNotEqualTo(mine);
        List<JsonNode> frames = ws.untilDone(id);
        assertThat(types(frames)).doesNotContain("execution_success", "progress_state", "feature_flags");
        assertThat(frames.stream().filter(f -> f.has("binary")).map(f -> f.path("binary").path("event").asInt()))
                .containsExactly(1, 1);
        assertThat(frames.get(2).path("data").has("timestamp")).isFalse();
    }

    @Test
    void foreignPromptWithoutClientIdBroadcastsProgressAndPreviewsButNotItsLifecycle() {
        WsRecorder ws = connect(newId());
        ws.next();
        String id = fake.submitForeignPrompt(graph("workflow-api-emptyimage-saveimagewebsocket.json"), false);
        List<JsonNode> frames = ws.until(f -> WsRecorder.isType(f, "status")
                && f.path("data").path("status").path("exec_info").path("queue_remaining").asInt() == 0);
        assertThat(types(frames)).contains("progress", "progress_state", "binary")
                .doesNotContain("execution_start", "executing", "execution_success");
        assertThat(fake.receivedPrompts()).isEmpty();
        fake.awaitIdle(WAIT);
        assertThat(get(fake.url(), "history/" + id).json().has(id)).isTrue();
    }

    @Test
    void foreignPromptWithClientIdShowsOnlyStatus() {
        WsRecorder ws = connect(newId());
        ws.next();
        fake.submitForeignPrompt(graph("workflow-api-emptyimage-saveimagewebsocket.json"), true);
        List<JsonNode> frames = ws.until(f -> WsRecorder.isType(f, "status")
                && f.path("data").path("status").path("exec_info").path("queue_remaining").asInt() == 0);
        assertThat(types(frames)).containsOnly("status");
    }

    @Test
    void uploadRenamesDifferentContentKeepsIdenticalAndFeedsLoadImage() {
        byte[] fox = Images.png(new Images.ImageSpec(40, 30, 1, 5, 0, false), 0, false, 0);
        byte[] other = Images.png(new Images.ImageSpec(10, 10, 1, 6, 0, false), 0, false, 0);
        assertThat(upload("fox.png", fox).path("name").asText()).isEqualTo("fox.png");
        assertThat(upload("fox.png", fox).path("name").asText()).isEqualTo("fox.png");
        JsonNode renamed = upload("fox.png", other);
        assertThat(renamed).isEqualTo(FakeClient.fixture("upload-image-response.json"));
        assertThat(get(fake.url(), "view?filename=fox.png&type=input").bytes()).isEqualTo(fox);

        ObjectNode g = Json.object();
        g.putObject("1").put("class_type", "LoadImage").putObject("inputs").put("image", "fox.png");
        ObjectNode save = g.putObject("2");
        save.put("class_type", "SaveImage");
        save.putObject("inputs").put("filename_prefix", "loaded").set("images", Json.array().add("1").add(0));
        String id = newId();
        assertThat(submit(fake.url(), g, null, id).code()).isEqualTo(200);
        fake.awaitIdle(WAIT);
        byte[] saved = get(fake.url(), "view?filename=loaded_00001_.png").bytes();
        assertThat(Images.dimensions(saved)).containsExactly(40, 30);
    }

    @Test
    void viewWithJpegPreviewReencodes() {
        submit(fake.url(), graph("workflow-api-emptyimage-saveimage.json"), null, newId());
        fake.awaitIdle(WAIT);
        FakeClient.Reply reply = get(fake.url(), "view?filename=ComfyUI_00001_.png&preview=jpeg;90");
        assertThat(reply.contentType()).isEqualTo("image/jpeg");
        assertThat(reply.bytes()).startsWith((byte) 0xFF, (byte) 0xD8, (byte) 0xFF);
    }

    @Test
    void bodiesOverTheUploadLimitGet413() {
        fake.close();
        fake = FakeComfyUi.builder().maxUploadSize(1000).build().start();
        assertThat(FakeClient.post(fake.url(), "prompt", "{\"prompt\":\"" + "x".repeat(2000) + "\"}").code())
                .isEqualTo(413);
    }

    @Test
    void sizeOptionsMakeLargeAndPaddedImages() {
        byte[] noisy = Images.png(new Images.ImageSpec(1182, 1182, 1, 1, 0, false), 0, true, 0);
        assertThat(noisy.length).isBetween(4_000_000, 4_300_000);
        byte[] padded = Images.png(new Images.ImageSpec(64, 64, 1, 1, 0, false), 0, false, 100_000);
        assertThat(padded.length).isEqualTo(100_000);
        assertThat(Images.dimensions(padded)).containsExactly(64, 64);
    }

    @Test
    void queueDeleteOfPendingPromptAndClearRemoveThem() {
        fake.pauseQueue();
        String a = newId();
        String b = newId();
        submit(fake.url(), graph("workflow-api-emptyimage-saveimage.json"), null, a);
        submit(fake.url(), graph("workflow-api-emptyimage-saveimage.json"), null, b);
        FakeClient.post(fake.url(), "queue", "{\"delete\":[\"" + a + "\"]}");
        assertThat(get(fake.url(), "queue").json().path("queue_pending")).hasSize(1);
        FakeClient.post(fake.url(), "queue", "{\"clear\":true}");
        assertThat(get(fake.url(), "queue").json().path("queue_pending")).isEmpty();
        fake.resumeQueue();
        fake.awaitIdle(WAIT);
        assertThat(get(fake.url(), "history").json()).isEmpty();
    }

    @Test
    void historyListIsOldestFirstAndHonoursMaxItems() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String id = newId();
            ids.add(id);
            ObjectNode g = graph("workflow-api-emptyimage-saveimage.json");
            ((ObjectNode) g.get("1").get("inputs")).put("color", i);
            submit(fake.url(), g, null, id);
        }
        fake.awaitIdle(WAIT);
        assertThat(get(fake.url(), "history").json().fieldNames()).toIterable().containsExactlyElementsOf(ids);
        assertThat(get(fake.url(), "history?max_items=2").json().fieldNames()).toIterable()
                .containsExactly(ids.get(1), ids.get(2));
        FakeClient.post(fake.url(), "history", "{\"delete\":[\"" + ids.get(0) + "\"]}");
        assertThat(get(fake.url(), "history").json()).hasSize(2);
    }

    private JsonNode upload(String name, byte[] bytes) {
        RequestBody body = new MultipartBody.Builder().setType(MultipartBody.FORM)
                .addFormDataPart("image", name, RequestBody.create(bytes, MediaType.get("image/png")))
                .build();
        return FakeClient.call(new Request.Builder().url(fake.url().resolve("upload/image").toString()).post(body).build())
                .json();
    }
}
