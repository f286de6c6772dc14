package io.github.comfylite.testkit;

import static io.github.comfylite.testkit.FakeClient.fixture;
import static io.github.comfylite.testkit.FakeClient.graph;
import static io.github.comfylite.testkit.FakeClient.post;
import static io.github.comfylite.testkit.FakeClient.submit;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code POST /prompt} validation against {@code post-prompt-error-catalogue.json} and the 400 fixture. */
class FakeComfyUiValidationTest {
    private FakeComfyUi fake = FakeComfyUi.builder().build().start();

    @AfterEach
    void tearDown() {
        fake.close();
    }

    private static JsonNode catalogue(String key) {
        return fixture("post-prompt-error-catalogue.json").get(key);
    }

    private void assertRejectedLike(JsonNode graph, String key) {
        JsonNode expected = catalogue(key);
        FakeClient.Reply reply = submit(fake.url(), graph, FakeClient.newId(), FakeClient.newId());
        assertThat(reply.code()).isEqualTo(expected.get("http_status").asInt());
        assertThat(reply.contentType()).isEqualTo("application/json; charset=utf-8");
        assertThat(withoutTracebacks(reply.json())).isEqualTo(withoutTracebacks(expected.get("body")));
    }

    private static JsonNode withoutTracebacks(JsonNode node) {
        JsonNode copy = node.deepCopy();
        copy.findParents("traceback").forEach(p -> {
            assertThat(p.get("traceback").isArray()).isTrue();
            assertThat(p.get("traceback")).isNotEmpty();
            ((ObjectNode) p).put("traceback", "<traceback>");
        });
        return copy;
    }

    private static ObjectNode inputs(ObjectNode graph, String node) {
        return (ObjectNode) graph.get(node).get("inputs");
    }

    @Test
    void unknownClassTypeIsInvalidPromptWithNodeId() {
        ObjectNode g = graph("workflow-api-emptyimage-saveimage.json");
        g.putObject("12").put("class_type", "FooBarNode").putObject("inputs");
        ((ObjectNode) g.get("12")).putObject("_meta").put("title", "My Foo");
        assertRejectedLike(g, "unknown_class_type__v0.3.64_and_older");
    }

    @Test
    void nodeWithoutClassTypeIsInvalidPrompt() {
        ObjectNode g = graph("workflow-api-emptyimage-saveimage.json");
        g.putObject("12").putObject("inputs");
        assertRejectedLike(g, "node_without_class_type__v0.3.64_and_older");
    }

    @Test
    void missingRequiredInputIsReportedOnItsNodeWithDependentOutputs() {
        ObjectNode g = graph("workflow-api-sd15-txt2img.json");
        inputs(g, "6").remove("clip");
        assertRejectedLike(g, "missing_required_input");
    }

    @Test
    void valueAboveMaxIsValueBiggerThanMax() {
        ObjectNode g = graph("workflow-api-emptyimage-saveimage.json");
        inputs(g, "1").put("width", 20000);
        assertRejectedLike(g, "value_out_of_range");
    }

    @Test
    void unconvertibleValueIsInvalidInputTypeWithPythonMessage() {
        ObjectNode g = graph("workflow-api-sd15-txt2img.json");
        inputs(g, "3").put("steps", "twenty");
        assertRejectedLike(g, "value_not_convertible");
    }

    @Test
    void wrongLinkTypeOnOutputNodeIsReturnTypeMismatchWithTopLevelDetails() {
        ObjectNode g = graph("workflow-api-sd15-txt2img.json");
        inputs(g, "9").set("images", Json.array().add("4").add(0));
        assertRejectedLike(g, "wrong_link_type_on_output_node");
    }

    @Test
    void danglingLinkOnOutputNodeIsExceptionDuringValidation() {
        ObjectNode g = graph("workflow-api-sd15-txt2img.json");
        inputs(g, "9").set("images", Json.array().add("99").add(0));
        assertRejectedLike(g, "dangling_link_on_output_node");
    }

    @Test
    void loadImageWithMissingFileFailsCustomValidation() {
        ObjectNode g = Json.object();
        ObjectNode load = g.putObject("10");
        load.put("class_type", "LoadImage");
        load.putObject("inputs").put("image", "cat.png");
        ObjectNode save = g.putObject("9");
        save.put("class_type", "SaveImage");
        save.putObject("inputs").put("filename_prefix", "ComfyUI").set("images", Json.array().add("10").add(0));
        assertRejectedLike(g, "custom_validation_failed_missing_input_file");

        fake.putInputFile("cat.png", Images.png(new Images.ImageSpec(8, 8, 1, 1, 0, false), 0, false, 0));
        assertThat(submit(fake.url(), g, null, null).code()).isEqualTo(200);
    }

    @Test
    void graphWithoutOutputNodeIsPromptNoOutputs() {
        ObjectNode g = graph("workflow-api-emptyimage-saveimage.json");
        g.remove("2");
        assertRejectedLike(g, "prompt_no_outputs");
    }

    @Test
    void bodyWithoutPromptIsNoPrompt() {
        FakeClient.Reply reply = post(fake.url(), "prompt", "{\"client_id\":\"x\"}");
        assertThat(reply.code()).isEqualTo(400);
        assertThat(reply.json()).isEqualTo(catalogue("no_prompt__2025_04_and_newer").get("body"));
    }

    @Test
    void oldServerAnswersNoPromptWithTheOldShape() {
        fake.close();
        fake = FakeComfyUi.builder().oldServer(true).build().start();
        FakeClient.Reply reply = post(fake.url(), "prompt", "{}");
        assertThat(reply.code()).isEqualTo(400);
        assertThat(reply.json()).isEqualTo(catalogue("no_prompt__before_2025_04").get("body"));
    }

    @Test
    void promptWithSomeInvalidOutputsIsAcceptedWithNodeErrors() {
        ObjectNode g = graph("workflow-api-emptyimage-saveimage.json");
        ObjectNode load = g.putObject("10");
        load.put("class_type", "LoadImage");
        load.putObject("inputs").put("image", "cat.png");
        ObjectNode save = g.putObject("11");
        save.put("class_type", "SaveImage");
        save.putObject("inputs").put("filename_prefix", "ComfyUI").set("images", Json.array().add("10").add(0));
        FakeClient.Reply reply = submit(fake.url(), g, null, null);
        JsonNode expected = catalogue("accepted_with_partial_errors");
        assertThat(reply.code()).isEqualTo(200);
        assertThat(reply.json().get("node_errors")).isEqualTo(expected.get("body").get("node_errors"));
        fake.awaitIdle(WsRecorder.WAIT);
        String id = reply.json().get("prompt_id").asText();
        JsonNode entry = FakeClient.get(fake.url(), "history/" + id).json().get(id);
        assertThat(entry.path("prompt").get(4)).containsExactly(Json.F.textNode("2"));
        assertThat(entry.path("outputs").has("2")).isTrue();
    }

    @Test
    void missingCheckpointOutOfRangeStepsAndUnknownSamplerMatchThe400Fixture() {
        fake.close();
        fake = FakeComfyUi.builder().models("checkpoints", List.of("sd_xl_base_1.0.safetensors")).build().start();
        ObjectNode g = graph("workflow-api-sd15-txt2img.json");
        inputs(g, "3").put("steps", 0).put("sampler_name", "euler_x");
        FakeClient.Reply reply = submit(fake.url(), g, null, null);
        assertThat(reply.code()).isEqualTo(400);
        assertThat(reply.json()).isEqualTo(fixture("post-prompt-response-400-validation.json"));
    }

    @Test
    void uiFormatWorkflowIsRefusedAsComfyUiDoes() {
        ObjectNode ui = Json.object();
        ArrayNode nodes = ui.putArray("nodes");
        nodes.addObject().put("id", 3).put("type", "KSampler");
        ui.putArray("links");
        ui.put("last_node_id", 9);
        FakeClient.Reply reply = submit(fake.url(), ui, null, null);
        assertThat(reply.code()).isEqualTo(400);
        assertThat(reply.json().path("error").path("type").asText()).isEqualTo("invalid_prompt");
        assertThat(reply.json().path("error").path("details").asText()).isEqualTo("Node ID '#nodes'");

        ObjectNode intFirst = Json.object();
        intFirst.put("last_node_id", 9);
        intFirst.set("nodes", nodes);
        FakeClient.Reply crash = submit(fake.url(), intFirst, null, null);
        assertThat(crash.code()).isEqualTo(500);
        assertThat(crash.contentType()).startsWith("text/plain");
    }

    @Test
    void linkWithNumericSourceIdFailsInnerValidationOnTheLinkedNode() {
        ObjectNode g = graph("workflow-api-sd15-txt2img.json");
        inputs(g, "6").set("clip", Json.array().add(4).add(1));
        JsonNode body = submit(fake.url(), g, null, null).json();
        JsonNode error = body.path("node_errors").path("6").path("errors").get(0);
        assertThat(error.path("type").asText()).isEqualTo("exception_during_inner_validation");
        assertThat(error.path("details").asText()).isEqualTo("4");
        assertThat(error.path("extra_info").path("exception_type").asText()).isEqualTo("KeyError");
        assertThat(error.path("extra_info").path("linked_node")).isEqualTo(Json.array().add("6").add(0));
        assertThat(body.path("error").path("details").asText()).isEmpty();
    }

    @Test
    void valuesAreCoercedLikePythonAndStoredCoerced() {
        ObjectNode g = graph("workflow-api-sd15-txt2img.json");
        inputs(g, "3").put("steps", 20.7).put("cfg", 8).put("seed", "42");
        String id = FakeClient.newId();
        assertThat(submit(fake.url(), g, null, id).code()).isEqualTo(200);
        fake.awaitIdle(WsRecorder.WAIT);
        JsonNode stored = FakeClient.get(fake.url(), "history/" + id).json().path(id).path("prompt").get(2).path("3").path("inputs");
        assertThat(stored.path("steps").asInt()).isEqualTo(20);
        assertThat(stored.path("steps").isIntegralNumber()).isTrue();
        assertThat(stored.path("cfg").isDouble()).isTrue();
        assertThat(stored.path("seed").asLong()).isEqualTo(42);
    }

    @Test
    void seedUpToTwoToTheSixtyFourMinusOneIsAccepted() {
        ObjectNode g = graph("workflow-api-sd15-txt2img.json");
        inputs(g, "3").put("seed", new java.math.BigInteger("18446744073709551615"));
        assertThat(submit(fake.url(), g, null, null).code()).isEqualTo(200);
        inputs(g, "3").put("seed", new java.math.BigInteger("18446744073709551616"));
        JsonNode body = submit(fake.url(), g, null, null).json();
        assertThat(body.path("node_errors").path("3").path("errors").get(0).path("message").asText())
                .isEqualTo("Value 18446744073709551616 bigger than max of 18446744073709551615");
    }

    @Test
    void validationFailureSendsNothingOnTheWebSocket() {
        String clientId = FakeClient.newId();
        try (WsRecorder ws = WsRecorder.connect(FakeClient.HTTP, fake.url(), clientId)) {
            ws.next();
            ObjectNode bad = graph("workflow-api-emptyimage-saveimage.json");
            inputs(bad, "1").put("width", 0);
            assertThat(submit(fake.url(), bad, clientId, null).code()).isEqualTo(400);
            String ok = FakeClient.newId();
            submit(fake.url(), graph("workflow-api-emptyimage-saveimage.json"), clientId, ok);
            JsonNode first = ws.next();
            assertThat(first.path("type").asText()).isEqualTo("status");
            assertThat(first.path("data").path("status").path("exec_info").path("queue_remaining").asInt()).isEqualTo(1);
        }
    }
}
