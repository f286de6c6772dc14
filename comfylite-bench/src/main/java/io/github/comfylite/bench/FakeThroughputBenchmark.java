package io.github.comfylite.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.comfylite.testkit.FakeComfyUi;
import java.io.IOException;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;

/**
 * Pushes zero-time prompts through {@link FakeComfyUi} with one real WebSocket client and prints the
 * fake's own time (its runner's busy time: from taking a prompt to sending {@code executing} null)
 * and the end-to-end wall time, so that the fake can be shown never to be the bottleneck of
 * other benchmarks.
 *
 * <p>Each prompt is EmptyImage (64 × 64) → SaveImage with a different colour, so nothing is
 * served from the fake's cache. Prompts are posted one after another over HTTP while the
 * WebSocket client counts the {@code executing} null frames of its prompts.
 *
 * <pre>{@code
 * ./mvnw -q -B -o -pl comfylite-bench -am package -DskipTests
 * java -cp comfylite-bench/target/comfylite-bench.jar io.github.comfylite.bench.FakeThroughputBenchmark [prompts] [rounds]
 * }</pre>
 */
public final class FakeThroughputBenchmark {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final MediaType JSON = MediaType.get("application/json");

    private FakeThroughputBenchmark() {}

    /** Runs {@code rounds} rounds (default 5) of {@code prompts} prompts (default 1000) after a warm-up round. */
    public static void main(String[] args) throws Exception {
        int prompts = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        OkHttpClient http = new OkHttpClient();
        String clientId = UUID.randomUUID().toString();
        Semaphore finished = new Semaphore(0);
        try (FakeComfyUi fake = FakeComfyUi.builder().build().start()) {
            WebSocket ws = http.newWebSocket(new Request.Builder()
                    .url(fake.url().resolve("ws?clientId=" + clientId).toString()).build(), new WebSocketListener() {
                        @Override
                        public void onMessage(WebSocket webSocket, String text) {
                            // Cheap check first: only "executing" with node null ends a prompt.
                            if (text.startsWith("{\"type\":\"executing\"") && text.contains("\"node\":null")) {
                                finished.release();
                            }
                        }
                    });
            int color = 0;
            color = round(http, fake, clientId, finished, Math.min(prompts, 200), color, "warm-up");
            for (int r = 1; r <= rounds; r++) {
                color = round(http, fake, clientId, finished, prompts, color, "round " + r);
            }
            ws.close(1000, null);
        } finally {
            http.dispatcher().executorService().shutdown();
            http.connectionPool().evictAll();
        }
    }

    private static int round(OkHttpClient http, FakeComfyUi fake, String clientId, Semaphore finished, int prompts,
            int firstColor, String label) throws IOException, InterruptedException {
        long busyBefore = fake.runnerBusyTime().toNanos();
        long start = System.nanoTime();
        int color = firstColor;
        for (int i = 0; i < prompts; i++) {
            ObjectNode body = MAPPER.createObjectNode();
            ObjectNode graph = body.putObject("prompt");
            ObjectNode empty = graph.putObject("1");
            empty.put("class_type", "EmptyImage");
            empty.putObject("inputs").put("width", 64).put("height", 64).put("batch_size", 1)
                    .put("color", color++ & 0xFFFFFF);
            ObjectNode save = graph.putObject("2");
            save.put("class_type", "SaveImage");
            save.putObject("inputs").put("filename_prefix", "bench").set("images", MAPPER.createArrayNode().add("1").add(0));
            body.put("client_id", clientId);
            body.put("prompt_id", UUID.randomUUID().toString());
            Request request = new Request.Builder().url(fake.url().resolve("prompt").toString())
                    .post(RequestBody.create(MAPPER.writeValueAsBytes(body), JSON)).build();
            try (Response response = http.newCall(request).execute()) {
                if (response.code() != 200) {
                    throw new IllegalStateException("fake rejected prompt: " + response.body().string());
                }
            }
        }
        if (!finished.tryAcquire(prompts, 60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("prompts did not finish within 60 s");
        }
        long wall = System.nanoTime() - start;
        long busy = fake.runnerBusyTime().toNanos() - busyBefore;
        System.out.printf(Locale.ROOT,
                "%-8s %5d prompts: fake runner busy %7.1f ms (%5.1f us/prompt); wall %7.1f ms (%6.0f prompts/s, incl. HTTP + WebSocket client)%n",
                label, prompts, busy / 1e6, busy / 1e3 / prompts, wall / 1e6, prompts / (wall / 1e9));
        return color;
    }
}
