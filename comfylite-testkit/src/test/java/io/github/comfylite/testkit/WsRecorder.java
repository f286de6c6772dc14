package io.github.comfylite.testkit;

import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;
import okio.ByteString;

/**
 * A real OkHttp WebSocket client that records what it receives, in the notation of the fixtures:
 * text frames as parsed JSON, binary frames as {@code {"binary": {"event", "format"|"metadata", "bytes"}}}.
 */
final class WsRecorder extends WebSocketListener implements AutoCloseable {
    static final Duration WAIT = Duration.ofSeconds(10);

    final LinkedBlockingQueue<JsonNode> frames = new LinkedBlockingQueue<>();
    final LinkedBlockingQueue<byte[]> images = new LinkedBlockingQueue<>();
    final CompletableFuture<Response> opened = new CompletableFuture<>();
    final CompletableFuture<Throwable> failed = new CompletableFuture<>();
    final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private final WebSocket socket;

    private WsRecorder(OkHttpClient client, URI base, String clientId) {
        String path = clientId == null ? "ws" : "ws?clientId=" + clientId;
        socket = client.newWebSocket(new Request.Builder().url(base.resolve(path).toString()).build(), this);
    }

    static WsRecorder connect(OkHttpClient client, URI base, String clientId) {
        WsRecorder r = new WsRecorder(client, base, clientId);
        try {
            r.opened.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new AssertionError("WebSocket did not open", e);
        }
        return r;
    }

    void send(String text) {
        socket.send(text);
    }

    WebSocket socket() {
        return socket;
    }

    JsonNode next() {
        try {
            JsonNode f = frames.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            if (f == null) {
                fail("no WebSocket frame within " + WAIT);
            }
            return f;
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** Collects frames up to and including the first that matches. */
    List<JsonNode> until(Predicate<JsonNode> last) {
        List<JsonNode> out = new ArrayList<>();
        while (true) {
            JsonNode f = next();
            out.add(f);
            if (last.test(f)) {
                return out;
            }
        }
    }

    /** Collects frames up to and including {@code executing} with {@code node: null} for this prompt. */
    List<JsonNode> untilDone(String promptId) {
        return until(f -> isDone(f, promptId));
    }

    static boolean isDone(JsonNode f, String promptId) {
        return "executing".equals(f.path("type").asText()) && f.path("data").path("node").isNull()
                && f.path("data").has("node")
                && promptId.equals(f.path("data").path("prompt_id").asText());
    }

    static boolean isType(JsonNode f, String type) {
        return type.equals(f.path("type").asText());
    }

    @Override
    public void onOpen(WebSocket webSocket, Response response) {
        opened.complete(response);
    }

    @Override
    public void onMessage(WebSocket webSocket, String text) {
        try {
            frames.add(Json.MAPPER.readTree(text));
        } catch (IOException e) {
            frames.add(Json.F.textNode("unparseable: " + text));
        }
    }

    @Override
    public void onMessage(WebSocket webSocket, ByteString bytes) {
        ByteBuffer b = bytes.asByteBuffer();
        ObjectNode frame = Json.object();
        ObjectNode bin = frame.putObject("binary");
        int event = b.getInt();
        bin.put("event", event);
        if (event == 4) {
            int metaLen = b.getInt();
            byte[] meta = new byte[metaLen];
            b.get(meta);
            try {
                bin.set("metadata", Json.MAPPER.readTree(new String(meta, StandardCharsets.UTF_8)));
            } catch (IOException e) {
                bin.put("metadata", "unparseable");
            }
        } else {
            bin.put("format", b.getInt());
        }
        byte[] image = new byte[b.remaining()];
        b.get(image);
        bin.put("bytes", image.length);
        images.add(image);
        frames.add(frame);
    }

    @Override
    public void onClosing(WebSocket webSocket, int code, String reason) {
        webSocket.close(1000, null);
    }

    @Override
    public void onClosed(WebSocket webSocket, int code, String reason) {
        closed.complete(code);
    }

    @Override
    public void onFailure(WebSocket webSocket, Throwable t, Response response) {
        failed.complete(t);
    }

    @Override
    public void close() {
        socket.close(1000, null);
    }
}
