package io.github.comfylite.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.HttpUrl;
import okio.Buffer;
import okio.ByteString;

/** Routes HTTP requests (and {@code /api/...} aliases) to the engine, answering like ComfyUI's server.py. */
final class Routes extends Dispatcher {
    private static final System.Logger LOG = System.getLogger(Routes.class.getName());
    private static final String JSON = "application/json; charset=utf-8";
    private static final String WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    private static final List<String> MODEL_FOLDERS = List.of("checkpoints", "loras", "vae", "text_encoders",
            "diffusion_models", "clip_vision", "style_models", "embeddings", "diffusers", "vae_approx", "controlnet",
            "gligen", "upscale_models", "custom_nodes", "hypernetworks", "photomaker", "classifiers");

    private final Engine engine;
    private final MockWebServer server;

    Routes(Engine engine, MockWebServer server) {
        this.engine = engine;
        this.server = server;
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
        // MockWebServer keeps every request for takeRequest(); the fake never reads them, so drop them
        // to keep a long-running fake (demo mode) from growing without bound.
        while (server.takeRequest(0, TimeUnit.NANOSECONDS) != null) {
            // discard
        }
        try {
            return route(request);
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "fake ComfyUI failed on " + request.getMethod() + " " + request.getUrl().encodedPath(), e);
            return text(500, "500 Internal Server Error\n\nServer got itself in trouble");
        }
    }

    private MockResponse route(RecordedRequest request) {
        if (originRejected(request)) {
            return empty(403);
        }
        if (request.getBodySize() > engine.config.maxUploadSize()) {
            return text(413, "413: Request Entity Too Large");
        }
        HttpUrl url = request.getUrl();
        String path = url.encodedPath();
        if (path.startsWith("/api/")) {
            path = path.substring(4);
        }
        if (engine.countRequest(path)) {
            // aiohttp's answer when a handler raises (a disk error under /view, say).
            return text(500, "500 Internal Server Error\n\nServer got itself in trouble");
        }
        String method = request.getMethod();
        boolean get = "GET".equals(method);
        boolean post = "POST".equals(method);
        switch (path) {
            case "/ws":
                return get ? webSocket(request) : empty(405);
            case "/prompt":
                return post ? postPrompt(request) : get ? json(200, engine.promptInfo()) : empty(405);
            case "/queue":
                return post ? postQueue(request) : get ? json(200, engine.queueJson()) : empty(405);
            case "/interrupt":
                return post ? postInterrupt(request) : empty(405);
            case "/free":
                return post ? postFree(request) : empty(405);
            case "/history":
                return post ? postHistory(request) : get ? getHistory(url) : empty(405);
            case "/view":
                return get ? view(url) : empty(405);
            case "/upload/image":
                return post ? upload(request) : empty(405);
            case "/object_info":
                return get ? json(200, engine.locked(() -> engine.catalog().objectInfo())) : empty(405);
            case "/features":
                return engine.config.oldServer() ? empty(404) : get ? json(200, engine.serverFeatures()) : empty(405);
            case "/system_stats":
                return get ? json(200, systemStats()) : empty(405);
            case "/models":
                return get ? json(200, modelFolders()) : empty(405);
            case "/embeddings":
                return get ? json(200, Json.array()) : empty(405);
            default:
                break;
        }
        if (get && path.startsWith("/history/")) {
            return json(200, engine.history(Optional.of(decode(path.substring(9))), null, -1));
        }
        if (get && path.startsWith("/object_info/")) {
            String cls = decode(path.substring(13));
            return json(200, engine.locked(() -> {
                ObjectNode out = Json.object();
                engine.catalog().get(cls).ifPresent(c -> out.set(c.name(), c.info().deepCopy()));
                return out;
            }));
        }
        if (get && path.startsWith("/models/")) {
            List<String> names = engine.models().get(decode(path.substring(8)));
            if (names == null) {
                return empty(404);
            }
            ArrayNode a = Json.array();
            names.forEach(a::add);
            return json(200, a);
        }
        return empty(404);
    }

    // ------------------------------------------------------------------ WebSocket

    private MockResponse webSocket(RecordedRequest request) {
        String key = request.getHeaders().get("Sec-WebSocket-Key");
        String upgrade = request.getHeaders().get("Upgrade");
        if (key == null || upgrade == null || !upgrade.equalsIgnoreCase("websocket")) {
            return text(400, "400: No WebSocket UPGRADE hdr: None\n Can \"Upgrade\" only to \"WebSocket\".");
        }
        String clientId = request.getUrl().queryParameter("clientId");
        String sid = clientId == null || clientId.isEmpty() ? UUID.randomUUID().toString().replace("-", "") : clientId;
        String accept;
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1")
                    .digest((key + WS_GUID).getBytes(StandardCharsets.ISO_8859_1));
            accept = Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is required by every Java platform", e);
        }
        // Register before the 101 is written, as ComfyUI does in the event-loop turn that writes it: a client that
        // has seen the upgrade can rely on its socket getting events. Registering after the reply let a prompt
        // submitted right after onConnected run before the socket was known, and lose its events (§4).
        WsConnection c = new WsConnection(sid);
        engine.onOpen(c);
        return new MockResponse.Builder()
                .code(101)
                .setHeader("Upgrade", "websocket")
                .setHeader("Connection", "Upgrade")
                .setHeader("Sec-WebSocket-Accept", accept)
                .socketHandler(socket -> {
                    engine.onAttached(c, socket);
                    c.readLoop(engine);
                })
                .build();
    }

    // ------------------------------------------------------------------ prompts and queue

    private MockResponse postPrompt(RecordedRequest request) {
        String raw = bodyText(request);
        Optional<JsonNode> json = parse(raw);
        if (json.isEmpty() || !json.get().isContainerNode() && !json.get().isTextual()) {
            return text(500, "500 Internal Server Error\n\nServer got itself in trouble");
        }
        Engine.Submission s = engine.submit(json.get(), raw, false);
        return s.body() == null ? text(s.status(), s.text()) : json(s.status(), s.body());
    }

    private MockResponse postQueue(RecordedRequest request) {
        Optional<JsonNode> json = parse(bodyText(request));
        if (json.isEmpty() || !json.get().isObject()) {
            return text(500, "500 Internal Server Error\n\nServer got itself in trouble");
        }
        if (json.get().path("clear").asBoolean(false)) {
            engine.clearQueue();
        }
        if (json.get().path("delete").isArray()) {
            List<String> ids = new ArrayList<>();
            json.get().get("delete").forEach(id -> ids.add(Py.str(id)));
            engine.deleteQueued(ids);
        }
        return empty(200);
    }

    private MockResponse postInterrupt(RecordedRequest request) {
        Optional<JsonNode> json = parse(bodyText(request));
        Optional<String> promptId = json.filter(JsonNode::isObject).map(j -> j.get("prompt_id"))
                .filter(id -> !id.isNull()).map(Py::str);
        engine.interrupt(promptId);
        return empty(200);
    }

    private MockResponse postFree(RecordedRequest request) {
        Optional<JsonNode> json = parse(bodyText(request));
        if (json.isEmpty() || !json.get().isObject()) {
            return text(500, "500 Internal Server Error\n\nServer got itself in trouble");
        }
        engine.requestFree(json.get().path("free_memory").asBoolean(false));
        return empty(200);
    }

    private MockResponse getHistory(HttpUrl url) {
        Integer maxItems = null;
        int offset = -1;
        try {
            String m = url.queryParameter("max_items");
            if (m != null) {
                maxItems = Integer.parseInt(m.strip());
            }
            String o = url.queryParameter("offset");
            if (o != null) {
                offset = Integer.parseInt(o.strip());
            }
        } catch (NumberFormatException e) {
            return text(500, "500 Internal Server Error\n\nServer got itself in trouble");
        }
        return json(200, engine.history(Optional.empty(), maxItems, offset));
    }

    private MockResponse postHistory(RecordedRequest request) {
        Optional<JsonNode> json = parse(bodyText(request));
        if (json.isEmpty() || !json.get().isObject()) {
            return text(500, "500 Internal Server Error\n\nServer got itself in trouble");
        }
        if (json.get().path("clear").asBoolean(false)) {
            engine.clearHistory();
        }
        if (json.get().path("delete").isArray()) {
            List<String> ids = new ArrayList<>();
            json.get().get("delete").forEach(id -> ids.add(Py.str(id)));
            engine.deleteHistory(ids);
        }
        return empty(200);
    }

    // ------------------------------------------------------------------ files

    private MockResponse view(HttpUrl url) {
        String filename = url.queryParameter("filename");
        if (filename == null) {
            return empty(404);
        }
        String type = null;
        for (String t : List.of("input", "output", "temp")) {
            if (filename.endsWith(" [" + t + "]")) {
                type = t;
                filename = filename.substring(0, filename.length() - t.length() - 3);
                break;
            }
        }
        if (filename.isEmpty()) {
            return empty(400);
        }
        if (filename.startsWith("/") || filename.contains("..")) {
            return empty(400);
        }
        if (type == null) {
            type = Optional.ofNullable(url.queryParameter("type")).orElse("output");
            if (!List.of("input", "output", "temp").contains(type)) {
                return empty(400);
            }
        }
        String subfolder = "";
        if (url.queryParameter("subfolder") != null) {
            Optional<String> normalized = normalize(url.queryParameter("subfolder"));
            if (normalized.isEmpty()) {
                return empty(403);
            }
            subfolder = normalized.get();
        }
        int slash = filename.lastIndexOf('/');
        String base = slash < 0 ? filename : filename.substring(slash + 1);
        Optional<byte[]> bytes = engine.readFile(type, subfolder, base);
        if (bytes.isEmpty()) {
            return empty(404);
        }
        String preview = url.queryParameter("preview");
        if (preview != null) {
            Optional<byte[]> jpeg = toJpeg(bytes.get());
            if (jpeg.isEmpty()) {
                return text(500, "500 Internal Server Error\n\nServer got itself in trouble");
            }
            // The JDK has no WebP encoder, so every preview format is answered with JPEG.
            return new MockResponse.Builder().code(200).setHeader("Content-Type", "image/jpeg")
                    .setHeader("Content-Disposition", "filename=\"" + base + "\"")
                    .body(new Buffer().write(jpeg.get())).build();
        }
        return new MockResponse.Builder().code(200).setHeader("Content-Type", contentType(base))
                .setHeader("Content-Disposition", "filename=\"" + base + "\"")
                .body(new Buffer().write(bytes.get())).build();
    }

    private MockResponse upload(RecordedRequest request) {
        ByteString body = request.getBody();
        Optional<List<Multipart.Part>> parts = Multipart.parse(request.getHeaders().get("Content-Type"),
                body == null ? new byte[0] : body.toByteArray());
        if (parts.isEmpty()) {
            return text(500, "500 Internal Server Error\n\nServer got itself in trouble");
        }
        Multipart.Part image = null;
        String type = "input";
        String subfolder = "";
        String overwrite = null;
        for (Multipart.Part p : parts.get()) {
            switch (p.name()) {
                case "image":
                    image = p;
                    break;
                case "type":
                    type = p.text();
                    break;
                case "subfolder":
                    subfolder = p.text();
                    break;
                case "overwrite":
                    overwrite = p.text();
                    break;
                default:
                    break;
            }
        }
        if (!List.of("input", "output", "temp").contains(type)) {
            return text(500, "500 Internal Server Error\n\nServer got itself in trouble");
        }
        if (image == null || image.filename().isEmpty() || image.filename().get().isEmpty()) {
            return empty(400);
        }
        String filename = image.filename().get();
        Optional<String> folder = normalize(subfolder);
        if (folder.isEmpty() || filename.contains("/") || filename.contains("\\") || filename.equals("..")) {
            return empty(400);
        }
        String name = engine.upload(type, folder.get(), filename, image.body(),
                "true".equals(overwrite) || "1".equals(overwrite));
        ObjectNode reply = Json.object();
        reply.put("name", name);
        reply.put("subfolder", subfolder);
        reply.put("type", type);
        return json(200, reply);
    }

    /** Resolves {@code a/./b/../c} inside the base folder; empty if it escapes it. */
    static Optional<String> normalize(String subfolder) {
        if (subfolder.startsWith("/") || subfolder.startsWith("\\")) {
            return Optional.empty();
        }
        Deque<String> parts = new ArrayDeque<>();
        for (String p : subfolder.replace('\\', '/').split("/")) {
            if (p.isEmpty() || p.equals(".")) {
                continue;
            }
            if (p.equals("..")) {
                if (parts.isEmpty()) {
                    return Optional.empty();
                }
                parts.removeLast();
            } else {
                parts.addLast(p);
            }
        }
        return Optional.of(String.join("/", parts));
    }

    private static String contentType(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        if (lower.endsWith(".png")) {
            return "image/png";
        }
        if (lower.endsWith(".jpg") || lower.endsWith(".jpeg")) {
            return "image/jpeg";
        }
        if (lower.endsWith(".webp")) {
            return "image/webp";
        }
        if (lower.endsWith(".gif")) {
            return "image/gif";
        }
        if (lower.endsWith(".json")) {
            return "application/json";
        }
        if (lower.endsWith(".txt")) {
            return "text/plain";
        }
        return "application/octet-stream";
    }

    private static Optional<byte[]> toJpeg(byte[] image) {
        try {
            BufferedImage src = ImageIO.read(new ByteArrayInputStream(image));
            if (src == null) {
                return Optional.empty();
            }
            BufferedImage rgb = new BufferedImage(src.getWidth(), src.getHeight(), BufferedImage.TYPE_INT_RGB);
            rgb.getGraphics().drawImage(src, 0, 0, null);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(rgb, "jpeg", out);
            return Optional.of(out.toByteArray());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    // ------------------------------------------------------------------ introspection

    private ObjectNode systemStats() {
        ObjectNode stats = Json.object();
        ObjectNode system = stats.putObject("system");
        system.put("os", "posix");
        system.put("ram_total", 67219349504L);
        system.put("ram_free", 51234402304L);
        if (!engine.config.oldServer()) {
            system.put("comfyui_version", "0.3.64");
        }
        system.put("required_frontend_version", "1.27.10");
        system.put("installed_templates_version", "0.1.95");
        system.put("required_templates_version", "0.1.95");
        system.put("python_version", "3.12.3 (main, Aug 14 2025, 17:47:21) [GCC 13.3.0]");
        system.put("pytorch_version", "2.8.0+cu128");
        system.put("embedded_python", false);
        ArrayNode argv = system.putArray("argv");
        argv.add("main.py").add("--listen").add("127.0.0.1").add("--port").add(Integer.toString(server.getPort()));
        if (engine.livePreviews) {
            argv.add("--preview-method").add("auto");
        }
        ObjectNode device = stats.putArray("devices").addObject();
        device.put("name", "cuda:0 FakeComfyUi virtual GPU : cudaMallocAsync");
        device.put("type", "cuda");
        device.put("index", 0);
        device.put("vram_total", 25386352640L);
        device.put("vram_free", 24110956544L);
        device.put("torch_vram_total", 0);
        device.put("torch_vram_free", 0);
        return stats;
    }

    private ArrayNode modelFolders() {
        ArrayNode a = Json.array();
        List<String> folders = new ArrayList<>(MODEL_FOLDERS);
        for (Map.Entry<String, List<String>> e : engine.models().entrySet()) {
            if (!folders.contains(e.getKey())) {
                folders.add(e.getKey());
            }
        }
        folders.forEach(a::add);
        return a;
    }

    // ------------------------------------------------------------------ helpers

    /**
     * ComfyUI's default origin check: a loopback Host with an Origin naming another host (or port)
     * gets 403 with an empty body (protocol §2).
     */
    private static boolean originRejected(RecordedRequest request) {
        String host = request.getHeaders().get("Host");
        String origin = request.getHeaders().get("Origin");
        if (host == null || origin == null) {
            return false;
        }
        HttpUrl o = HttpUrl.parse(origin);
        if (o == null) {
            return true;
        }
        String hostName = host;
        String hostPort = null;
        int colon = host.lastIndexOf(':');
        if (colon > 0 && !host.endsWith("]")) {
            hostName = host.substring(0, colon);
            hostPort = host.substring(colon + 1);
        }
        hostName = hostName.replace("[", "").replace("]", "");
        boolean loopback = hostName.equals("localhost") || hostName.startsWith("127.") || hostName.equals("::1");
        if (!loopback) {
            return false;
        }
        if (!o.host().equals(hostName)) {
            return true;
        }
        return hostPort != null && origin.matches(".*:\\d+/?$") && !hostPort.equals(Integer.toString(o.port()));
    }

    private static String decode(String s) {
        return java.net.URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static String bodyText(RecordedRequest request) {
        ByteString body = request.getBody();
        return body == null ? "" : body.utf8();
    }

    private static Optional<JsonNode> parse(String text) {
        if (text.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.ofNullable(Json.MAPPER.readTree(text));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    static MockResponse json(int code, JsonNode body) {
        return new MockResponse.Builder().code(code).setHeader("Content-Type", JSON)
                .body(new Buffer().write(Json.bytes(body))).build();
    }

    static MockResponse empty(int code) {
        return new MockResponse.Builder().code(code).body("").build();
    }

    static MockResponse text(int code, String text) {
        return new MockResponse.Builder().code(code).setHeader("Content-Type", "text/plain; charset=utf-8")
                .body(text).build();
    }
}
