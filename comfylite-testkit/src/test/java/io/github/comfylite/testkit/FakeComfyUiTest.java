package io.github.comfylite.testkit;

import static io.github.comfylite.testkit.FakeClient.get;
import static io.github.comfylite.testkit.FakeClient.graph;
import static io.github.comfylite.testkit.FakeClient.newId;
import static io.github.comfylite.testkit.FakeClient.post;
import static io.github.comfylite.testkit.FakeClient.submit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FakeComfyUiTest {
    private static final Duration WAIT = WsRecorder.WAIT;
    private FakeComfyUi fake;

    @BeforeEach
    void setUp() {
        fake = FakeComfyUi.builder().build().start();
    }

    @AfterEach
    void tearDown() {
        fake.close();
    }

    @Test
    void urlIsLoopbackWithTheBoundPortAndStartIsIdempotent() {
        assertThat(fake.start()).isSameAs(fake);
        assertThat(fake.url().toString()).isEqualTo("http://127.0.0.1:" + fake.port() + "/");
    }

    @Test
    void closeIsIdempotentAndStartAfterCloseFails() {
        fake.close();
        fake.close();
        assertThatThrownBy(fake::start).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void postPromptUsesTheClientPromptIdAndCountsNumbers() {
        String id = newId();
        JsonNode reply = submit(fake.url(), graph("workflow-api-emptyimage-saveimage.json"), newId(), id).json();
        assertThat(reply.path("prompt_id").asText()).isEqualTo(id);
        assertThat(reply.path("number").asInt()).isEqualTo(0);
        assertThat(reply.path("node_errors")).isEmpty();
        JsonNode second = submit(fake.url(), graph("workflow-api-emptyimage-saveimage.json"), null, null).json();
        assertThat(second.path("number").asInt()).isEqualTo(1);
        assertThat(second.path("prompt_id").asText()).isNotEqualTo(id).hasSize(36);
    }

    @Test
    void awaitPromptReturnsWhatTheClientSent() {
        String clientId = newId();
        String id = newId();
        submit(fake.url(), graph("workflow-api-emptyimage-saveimage.json"), clientId, id);
        ReceivedPrompt p = fake.awaitPrompt(WAIT);
        assertThat(p.promptId()).isEqualTo(id);
        assertThat(p.clientId()).contains(clientId);
        assertThat(p.graph()).isEqualTo(graph("workflow-api-emptyimage-saveimage.json"));
        assertThat(p.accepted()).isTrue();
        assertThat(p.rawBody()).contains(id);
        assertThat(fake.receivedPrompts()).containsExactly(p);
    }

    @Test
    void awaitPromptFailsWhenNothingArrives() {
        assertThatThrownBy(() -> fake.awaitPrompt(Duration.ofMillis(50))).isInstanceOf(AssertionError.class)
                .hasMessageContaining("no prompt");
    }

    @Test
    void finishedPromptHasHistoryAndItsFileIsAValidPngOfTheRequestedSize() throws IOException {
        ObjectNode g = graph("workflow-api-sd15-txt2img.json");
        ((ObjectNode) g.get("5").get("inputs")).put("width", 320).put("height", 192).put("batch_size", 2);
        String id = newId();
        submit(fake.url(), g, null, id);
        fake.awaitIdle(WAIT);

        JsonNode entry = get(fake.url(), "history/" + id).json().get(id);
        assertThat(entry.path("status").path("status_str").asText()).isEqualTo("success");
        assertThat(entry.path("status").path("completed").asBoolean()).isTrue();
        assertThat(entry.path("prompt").get(1).asText()).isEqualTo(id);
        assertThat(entry.path("prompt").get(2).path("3").path("inputs").path("cfg").isDouble()).isTrue();
        assertThat(entry.path("prompt").get(4)).containsExactly(Json.F.textNode("9"));
        JsonNode images = entry.path("outputs").path("9").path("images");
        assertThat(images).hasSize(2);
        assertThat(images.get(0).path("filename").asText()).isEqualTo("ComfyUI_00001_.png");
        assertThat(images.get(1).path("filename").asText()).isEqualTo("ComfyUI_00002_.png");
        assertThat(entry.path("meta").path("9").path("node_id").asText()).isEqualTo("9");

        FakeClient.Reply view = get(fake.url(), "view?filename=ComfyUI_00002_.png&subfolder=&type=output");
        assertThat(view.code()).isEqualTo(200);
        assertThat(view.contentType()).isEqualTo("image/png");
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(view.bytes()));
        assertThat(img.getWidth()).isEqualTo(320);
        assertThat(img.getHeight()).isEqualTo(192);
    }

    @Test
    void imagesAreDeterministicFromTheSeed() {
        ObjectNode g = graph("workflow-api-sd15-txt2img.json");
        submit(fake.url(), g, null, newId());
        ((ObjectNode) g.get("9").get("inputs")).put("filename_prefix", "again");
        submit(fake.url(), g, null, newId());
        ((ObjectNode) g.get("3").get("inputs")).put("seed", 7);
        submit(fake.url(), g, null, newId());
        fake.awaitIdle(WAIT);
        byte[] first = get(fake.url(), "view?filename=ComfyUI_00001_.png").bytes();
        byte[] same = get(fake.url(), "view?filename=again_00001_.png").bytes();
        byte[] otherSeed = get(fake.url(), "view?filename=again_00002_.png").bytes();
        assertThat(same).isEqualTo(first);
        assertThat(otherSeed).isNotEqualTo(first);
    }

    @Test
    void historyOfUnknownOrPendingPromptIsEmpty() {
        fake.pauseQueue();
        String id = newId();
        submit(fake.url(), graph("workflow-api-emptyimage-saveimage.json"), null, id);
        assertThat(get(fake.url(), "history/" + id).json()).isEmpty();
        assertThat(get(fake.url(), "api/history/unknown").json()).isEmpty();
    }

    @Test
    void pausedQueueKeepsPromptsPendingInQueueUntilResumed() {
        fake.pauseQueue();
        String a = newId();
        String b = newId();
        submit(fake.url(), graph("workflow-api-emptyimage-saveimage.json"), null, a);
        submit(fake.url(), graph("workflow-api-emptyimage-saveimagewebsocket.json"), null, b);
        JsonNode queue = get(fake.url(), "queue").json();
        assertThat(queue.path("queue_running")).isEmpty();
        assertThat(queue.path("queue_pending")).hasSize(2);
        assertThat(queue.path("queue_pending").get(0)).hasSize(5);
        assertThat(queue.path("queue_pending").get(0).get(1).asText()).isEqualTo(a);
        assertThat(get(fake.url(), "prompt").json().path("exec_info").path("queue_remaining").asInt()).isEqualTo(2);
        assertThatThrownBy(() -> fake.awaitIdle(Duration.ofMillis(50))).isInstanceOf(AssertionError.class);

        fake.resumeQueue();
        fake.awaitIdle(WAIT);
        assertThat(get(fake.url(), "history/" + b).json().has(b)).isTrue();
    }

    @Test
    void featuresAndSystemStatsDescribeAVersion064Server() {
        assertThat(get(fake.url(), "features").json()).isEqualTo(FakeClient.fixture("features-response.json"));
        JsonNode stats = get(fake.url(), "api/system_stats").json();
        assertThat(stats.path("system").path("comfyui_version").asText()).isEqualTo("0.3.64");
        assertThat(stats.path("devices")).hasSize(1);
    }

    @Test
    void objectInfoDescribesEveryNodeClassOfTheFixturesAndSeedTemplates() {
        JsonNode info = get(fake.url(), "object_info").json();
        assertThat(info.fieldNames()).toIterable().contains("CheckpointLoaderSimple", "CLIPTextEncode",
                "EmptyLatentImage", "KSampler", "VAEDecode", "SaveImage", "PreviewImage", "SaveImageWebsocket",
                "EmptyImage", "LoadImage", "EmptySD3LatentImage", "FluxGuidance", "UNETLoader", "DualCLIPLoader",
                "VAELoader");
        JsonNode excerpt = FakeClient.fixture("object-info-excerpt.json");
        assertThat(info.get("KSampler")).isEqualTo(excerpt.get("KSampler"));
        assertThat(info.path("SaveImageWebsocket").path("output_node").asBoolean()).isTrue();
        assertThat(get(fake.url(), "object_info/KSampler").json().has("KSampler")).isTrue();
        assertThat(get(fake.url(), "object_info/NoSuchNode").json()).isEmpty();
    }

    @Test
    void seedTemplatesAreAcceptedAndRun() throws IOException {
        for (String name : List.of("starter.json", "flux.json")) {
            JsonNode template = Json.MAPPER.readTree(FakeClient.seed().resolve("original-templates").resolve(name).toFile());
            String id = newId();
            FakeClient.Reply reply = submit(fake.url(), template, newId(), id);
            assertThat(reply.code()).as(name + ": " + reply.body()).isEqualTo(200);
        }
        fake.awaitIdle(WAIT);
    }

    @Test
    void unknownRoutesAre404AndViewOfMissingFileIs404() {
        assertThat(get(fake.url(), "nope").code()).isEqualTo(404);
        assertThat(get(fake.url(), "view?filename=missing.png").code()).isEqualTo(404);
        assertThat(get(fake.url(), "view").code()).isEqualTo(404);
        assertThat(get(fake.url(), "view?filename=../x.png").code()).isEqualTo(400);
        assertThat(get(fake.url(), "view?filename=x.png&subfolder=../..").code()).isEqualTo(403);
        assertThat(get(fake.url(), "view?filename=x.png&type=secret").code()).isEqualTo(400);
    }

    @Test
    void interruptWithAnotherPromptIdDoesNothing() {
        fake.setNodeExecutionTime("KSampler", Duration.ofMillis(300));
        String id = newId();
        submit(fake.url(), graph("workflow-api-sd15-txt2img.json"), null, id);
        fake.awaitRunning(id, WAIT);
        assertThat(post(fake.url(), "interrupt", "{\"prompt_id\":\"" + newId() + "\"}").code()).isEqualTo(200);
        fake.awaitIdle(WAIT);
        assertThat(get(fake.url(), "history/" + id).json().path(id).path("status").path("status_str").asText())
                .isEqualTo("success");
    }

    @Test
    void interruptWithoutBodyStopsTheRunningPromptAndHistoryShowsError() {
        fake.setNodeExecutionTime("KSampler", Duration.ofSeconds(30));
        String id = newId();
        submit(fake.url(), graph("workflow-api-sd15-txt2img.json"), null, id);
        fake.awaitRunning(id, WAIT);
        assertThat(post(fake.url(), "api/interrupt", "").code()).isEqualTo(200);
        fake.awaitIdle(WAIT);
        JsonNode status = get(fake.url(), "history/" + id).json().path(id).path("status");
        assertThat(status.path("status_str").asText()).isEqualTo("error");
        assertThat(status.path("completed").asBoolean()).isFalse();
        JsonNode last = status.path("messages").get(status.path("messages").size() - 1);
        assertThat(last.get(0).asText()).isEqualTo("execution_interrupted");
        assertThat(last.get(1).path("node_type").asText()).isEqualTo("KSampler");
    }
}
