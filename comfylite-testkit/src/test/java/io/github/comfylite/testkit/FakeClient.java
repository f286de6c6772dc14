package io.github.comfylite.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/** Plain HTTP calls against a fake, and the shared fixture files. */
final class FakeClient {
    static final MediaType JSON = MediaType.get("application/json");
    static final OkHttpClient HTTP = new OkHttpClient.Builder().readTimeout(10, TimeUnit.SECONDS).build();

    record Reply(int code, String body, String contentType, byte[] bytes) {
        JsonNode json() {
            try {
                return Json.MAPPER.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + body, e);
            }
        }
    }

    private FakeClient() {}

    static Path fixtures() {
        return Path.of(System.getProperty("comfylite.root", "..")).resolve("../shared/comfyui-fixtures").normalize();
    }

    static Path seed() {
        return Path.of(System.getProperty("comfylite.root", "..")).resolve("../shared/seed").normalize();
    }

    static JsonNode fixture(String name) {
        try {
            return Json.MAPPER.readTree(Files.readString(fixtures().resolve(name)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ObjectNode graph(String name) {
        return (ObjectNode) fixture(name);
    }

    static Reply get(URI base, String path) {
        return call(new Request.Builder().url(base.resolve(path).toString()).build());
    }

    static Reply post(URI base, String path, String json) {
        return call(new Request.Builder().url(base.resolve(path).toString()).post(RequestBody.create(json, JSON)).build());
    }

    static Reply post(URI base, String path, JsonNode json) {
        return post(base, path, Json.write(json));
    }

    /** POSTs {prompt, client_id, prompt_id} and returns the reply. */
    static Reply submit(URI base, JsonNode graph, String clientId, String promptId) {
        ObjectNode body = Json.object();
        body.set("prompt", graph);
        if (clientId != null) {
            body.put("client_id", clientId);
        }
        if (promptId != null) {
            body.put("prompt_id", promptId);
        }
        return post(base, "prompt", body);
    }

    static String newId() {
        return UUID.randomUUID().toString();
    }

    static Reply call(Request request) {
        try (Response r = HTTP.newCall(request).execute()) {
            byte[] bytes = r.body().bytes();
            return new Reply(r.code(), new String(bytes, java.nio.charset.StandardCharsets.UTF_8),
                    r.header("Content-Type"), bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
