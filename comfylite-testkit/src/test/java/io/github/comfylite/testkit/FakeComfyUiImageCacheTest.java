package io.github.comfylite.testkit;

import static io.github.comfylite.testkit.FakeClient.get;
import static io.github.comfylite.testkit.FakeClient.graph;
import static io.github.comfylite.testkit.FakeClient.newId;
import static io.github.comfylite.testkit.FakeClient.submit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Saved images are rendered when SaveImage runs and kept in a bounded cache that /view serves from. */
class FakeComfyUiImageCacheTest {
    private static final Duration WAIT = WsRecorder.WAIT;
    // Every PNG is padded to this size, so the cache budget below holds exactly one image.
    private static final int IMAGE_BYTES = 100_000;
    private final List<FakeComfyUi> fakes = new ArrayList<>();

    @AfterEach
    void tearDown() {
        fakes.forEach(FakeComfyUi::close);
    }

    private FakeComfyUi start(long cacheBytes) {
        FakeComfyUi f = FakeComfyUi.builder().minImageBytes(IMAGE_BYTES).imageCacheBytes(cacheBytes).build().start();
        fakes.add(f);
        return f;
    }

    private static ObjectNode txt2img(long seed, String prefix) {
        ObjectNode g = graph("workflow-api-sd15-txt2img.json");
        ((ObjectNode) g.get("5").get("inputs")).put("width", 64).put("height", 64).put("batch_size", 1);
        ((ObjectNode) g.get("3").get("inputs")).put("seed", seed);
        ((ObjectNode) g.get("9").get("inputs")).put("filename_prefix", prefix);
        return g;
    }

    /** Runs the graph to completion and returns its output node's image entries. */
    private static JsonNode run(FakeComfyUi fake, ObjectNode g, String outputNode) {
        String id = newId();
        submit(fake.url(), g, null, id);
        fake.awaitIdle(WAIT);
        JsonNode entry = get(fake.url(), "history/" + id).json().get(id);
        assertThat(entry.path("status").path("status_str").asText()).isEqualTo("success");
        return entry.path("outputs").path(outputNode).path("images");
    }

    private static byte[] view(FakeComfyUi fake, JsonNode image) {
        FakeClient.Reply r = get(fake.url(), "view?filename=" + image.path("filename").asText() + "&subfolder="
                + image.path("subfolder").asText() + "&type=" + image.path("type").asText());
        assertThat(r.code()).isEqualTo(200);
        assertThat(r.contentType()).isEqualTo("image/png");
        return r.bytes();
    }

    @Test
    void fileProducedByARunIsKeptWhenTheNodeRunsAndServedByView() throws IOException {
        FakeComfyUi fake = start(256L * 1024 * 1024);
        JsonNode images = run(fake, txt2img(1, "kept"), "9");
        assertThat(images).hasSize(1);
        assertThat(images.get(0).path("filename").asText()).isEqualTo("kept_00001_.png");

        assertThat(fake.renderedImageBytes()).isGreaterThanOrEqualTo(IMAGE_BYTES);
        byte[] png = view(fake, images.get(0));
        assertThat(png.length).isEqualTo(fake.renderedImageBytes());
        assertThat(ImageIO.read(new ByteArrayInputStream(png)).getWidth()).isEqualTo(64);
    }

    @Test
    void viewReturnsByteIdenticalPngsBeforeAndAfterEviction() {
        FakeComfyUi fake = start(IMAGE_BYTES * 3L / 2);
        JsonNode first = run(fake, txt2img(1, "first"), "9").get(0);
        long oneImage = fake.renderedImageBytes();
        assertThat(oneImage).isGreaterThanOrEqualTo(IMAGE_BYTES);
        byte[] beforeEviction = view(fake, first);

        JsonNode second = run(fake, txt2img(2, "second"), "9").get(0);
        // Only one image fits: the first was evicted, the second is kept.
        assertThat(fake.renderedImageBytes()).isEqualTo(view(fake, second).length);

        byte[] afterEviction = view(fake, first);
        assertThat(afterEviction).isEqualTo(beforeEviction);
        assertThat(afterEviction).isNotEqualTo(view(fake, second));
    }

    @Test
    void zeroBudgetKeepsNothingAndServesTheSameBytesAsACachingFake() {
        FakeComfyUi uncached = start(0);
        FakeComfyUi cached = start(256L * 1024 * 1024);
        JsonNode a = run(uncached, txt2img(5, "same"), "9").get(0);
        JsonNode b = run(cached, txt2img(5, "same"), "9").get(0);
        assertThat(uncached.renderedImageBytes()).isZero();
        assertThat(view(uncached, a)).isEqualTo(view(cached, b));
    }

    @Test
    void cachedRerunReplaysTheOldFileNamesWhichStillServeTheirBytes() {
        FakeComfyUi fake = start(0);
        JsonNode first = run(fake, txt2img(1, "rerun"), "9").get(0);
        byte[] png = view(fake, first);
        JsonNode replayed = run(fake, txt2img(1, "rerun"), "9").get(0);
        assertThat(replayed.path("filename").asText()).isEqualTo("rerun_00001_.png");
        assertThat(view(fake, replayed)).isEqualTo(png);
    }

    @Test
    void previewImagesAreNotKeptAndAreStillServed() throws IOException {
        FakeComfyUi fake = start(256L * 1024 * 1024);
        ObjectNode g = txt2img(3, "unused");
        ObjectNode node = (ObjectNode) g.get("9");
        node.put("class_type", "PreviewImage");
        ((ObjectNode) node.get("inputs")).remove("filename_prefix");
        JsonNode images = run(fake, g, "9");
        assertThat(images.get(0).path("type").asText()).isEqualTo("temp");
        assertThat(fake.renderedImageBytes()).isZero();
        assertThat(ImageIO.read(new ByteArrayInputStream(view(fake, images.get(0)))).getWidth()).isEqualTo(64);
    }

    @Test
    void negativeBudgetIsRejected() {
        assertThatThrownBy(() -> FakeComfyUi.builder().imageCacheBytes(-1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("imageCacheBytes must be >= 0");
    }
}
