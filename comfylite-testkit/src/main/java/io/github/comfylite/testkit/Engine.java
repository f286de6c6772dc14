package io.github.comfylite.testkit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.comfylite.testkit.Images.ImageSpec;
import io.github.comfylite.testkit.NodeCatalog.NodeClass;
import io.github.comfylite.testkit.WsConnection.Frame;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The fake server's state and its single runner: prompt queue, execution with ComfyUI's event
 * order (protocol §6, §8), history, files and the WebSocket registry.
 *
 * <p>One lock guards all state. Events are queued to sockets while it is held, so the order every
 * socket sees is the order events were produced, as with ComfyUI's single event loop. The runner
 * holds the lock while it executes a prompt and releases it only while it waits (execution time,
 * {@code holdExecution}) and while it encodes large images; HTTP handlers take it briefly.
 */
final class Engine implements WsConnection.Handler {
    private static final System.Logger LOG = System.getLogger(Engine.class.getName());
    static final int MAX_HISTORY = 10000;
    private static final Set<String> SENSITIVE_EXTRA_DATA = Set.of("api_key_comfy_org", "auth_token_comfy_org");

    /** Settings fixed at build time. */
    record Config(boolean oldServer, boolean cache, boolean reconnectRaceBug, boolean noisyImages,
            int minImageBytes, long maxUploadSize, int previewSize, long imageCacheBytes) {}

    /** An injected node failure. */
    record Failure(String exceptionType, String message) {}

    /** A queued prompt: ComfyUI's 5-tuple plus routing. {@code clientId} is null without a client. */
    record QueueItem(JsonNode number, double sortKey, String promptId, ObjectNode graph, ObjectNode extraData,
            ObjectNode storedExtraData, List<String> outputs, String clientId) {
        ArrayNode toArray(boolean forHistory) {
            ArrayNode a = Json.array();
            a.add(number);
            a.add(promptId);
            a.add(graph);
            a.add(forHistory ? storedExtraData : extraData);
            ArrayNode outs = a.addArray();
            outputs.forEach(outs::add);
            return a;
        }
    }

    private record LatentSpec(int width, int height, int batch, long seed) {
        @Override
        public String toString() {
            return "{'samples': tensor(shape=[" + batch + ", 4, " + height / 8 + ", " + width / 8 + "])}";
        }
    }

    private record Token(String type) {
        @Override
        public String toString() {
            return "<" + type + " object>";
        }
    }

    private record CacheEntry(Object[] outputs, JsonNode ui) {}

    /**
     * A stored file: uploaded bytes, or a saved image's recipe. A recipe's PNG is rendered when its node runs
     * and kept in {@link #rendered}; once evicted from there it is rendered again from the recipe.
     */
    private record StoredFile(byte[] bytes, ImageSpec spec, int index) {}

    private record FileKey(String type, String subfolder, String name) {}

    /** Thrown inside a run when a restart or close makes the run irrelevant: stop silently. */
    private static final class Abandoned extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Abandoned() {
            super(null, null, false, false);
        }
    }

    /** Thrown at a check point when the interrupt flag is set. */
    private static final class Interrupted extends Exception {
        private static final long serialVersionUID = 1L;

        Interrupted() {
            super(null, null, false, false);
        }
    }

    /** Thrown by a node that was told to fail. */
    private static final class NodeFailed extends Exception {
        private static final long serialVersionUID = 1L;
        final Failure failure;

        NodeFailed(Failure failure) {
            super(null, null, false, false);
            this.failure = failure;
        }
    }

    final ReentrantLock lock = new ReentrantLock();
    final Condition changed = lock.newCondition();
    final Config config;

    // Controls, readable without the lock.
    volatile Duration defaultNodeTime;
    final Map<String, Duration> nodeTimes = new ConcurrentHashMap<>();
    final Map<String, Failure> failures = new ConcurrentHashMap<>();
    /** Requests answered per path (without {@code /api}); kept across {@link FakeComfyUi#restart()}. */
    final Map<String, LongAdder> requestCounts = new ConcurrentHashMap<>();
    /** Path (without {@code /api}) → how many of its next requests answer 500 (see {@link FakeComfyUi#failNextRequests}). */
    final Map<String, AtomicInteger> requestFailures = new ConcurrentHashMap<>();
    /** Frames held by {@link FakeComfyUi#holdSocketFrames()}, in send order; guarded by the lock. */
    private List<HeldFrame> heldFrames;

    private record HeldFrame(WsConnection connection, String type, Frame frame) {}
    volatile boolean livePreviews;

    // State, guarded by lock.
    private final List<QueueItem> pending = new ArrayList<>();
    private QueueItem running;
    private final LinkedHashMap<String, ObjectNode> history = new LinkedHashMap<>();
    private long nextNumber;
    private boolean paused;
    private boolean held;
    private boolean interruptFlag;
    private boolean closed;
    private boolean freeMemoryRequested;
    private int epoch;
    private long releases;
    private final Map<String, CacheEntry> cache = new HashMap<>();
    private final Set<String> startedPrompts = new LinkedHashSet<>();
    private String lastNodeId;
    private final Map<String, WsConnection> sockets = new LinkedHashMap<>();
    private final Set<WsConnection> openConnections = new LinkedHashSet<>();
    private final Map<FileKey, StoredFile> files = new LinkedHashMap<>();
    private final Map<String, Integer> counters = new HashMap<>();
    private final Map<String, List<String>> models;
    private NodeCatalog catalog;
    private final List<ReceivedPrompt> received = new ArrayList<>();
    final LinkedBlockingQueue<ReceivedPrompt> receivedQueue = new LinkedBlockingQueue<>();
    private long busyNanos;
    private long completedPrompts;
    private Thread runner;
    // Saved images' PNG bytes, keyed by recipe: equal recipes render equal bytes, so a shared entry is correct.
    private final RenderedImages<StoredFile> rendered;

    Engine(Config config, Map<String, List<String>> models, Duration nodeTime, boolean livePreviews) {
        this.config = config;
        this.models = new LinkedHashMap<>(models);
        this.defaultNodeTime = nodeTime;
        this.livePreviews = livePreviews;
        this.rendered = new RenderedImages<>(config.imageCacheBytes());
    }

    // ------------------------------------------------------------------ lifecycle

    void start() {
        lock.lock();
        try {
            if (runner != null) {
                return;
            }
            runner = new Thread(this::runLoop, "comfylite-fake-runner");
            runner.setDaemon(true);
            runner.start();
        } finally {
            lock.unlock();
        }
    }

    void close() {
        Thread r;
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            epoch++;
            for (WsConnection c : List.copyOf(openConnections)) {
                drop(c);
            }
            changed.signalAll();
            r = runner;
        } finally {
            lock.unlock();
        }
        if (r != null && r != Thread.currentThread()) {
            try {
                r.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    <T> T locked(Supplier<T> action) {
        lock.lock();
        try {
            return action.get();
        } finally {
            lock.unlock();
        }
    }

    void locked(Runnable action) {
        lock.lock();
        try {
            action.run();
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------ catalog and models

    NodeCatalog catalog() {
        if (catalog == null) {
            List<String> inputs = new ArrayList<>();
            for (FileKey k : files.keySet()) {
                if (k.type().equals("input") && k.subfolder().isEmpty()) {
                    inputs.add(k.name());
                }
            }
            inputs.sort(Comparator.naturalOrder());
            catalog = NodeCatalog.build(models, inputs);
        }
        return catalog;
    }

    void setModels(String folder, List<String> names) {
        locked(() -> {
            models.put(folder, List.copyOf(names));
            catalog = null;
        });
    }

    Map<String, List<String>> models() {
        return locked(() -> Map.copyOf(models));
    }

    // ------------------------------------------------------------------ sockets

    /**
     * Registers a new socket and queues its first frames; called on the connection thread before the
     * 101 reply is written, so they wait for {@link #onAttached}.
     */
    void onOpen(WsConnection c) {
        lock.lock();
        try {
            if (closed) {
                c.abort();
                return;
            }
            // A new connection replaces the registry entry; the old socket stays open but gets nothing (§4).
            WsConnection old = sockets.put(c.sid, c);
            if (old != null) {
                old.removed = true;
            }
            openConnections.add(c);
            ObjectNode data = statusData();
            data.put("sid", c.sid);
            deliver(c, "status", message("status", data));
            if (running != null && c.sid.equals(running.clientId()) && lastNodeId != null) {
                ObjectNode executing = Json.object();
                executing.put("node", lastNodeId);
                deliver(c, "executing", message("executing", executing));
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        LOG.log(Level.DEBUG, () -> "socket " + c.id + " opened for " + c.sid);
    }

    /**
     * The 101 reply was written and MockWebServer handed over the socket: starts writing the queued
     * frames. Only attached sockets count as open, so a client that never got its 101 is not counted.
     */
    void onAttached(WsConnection c, okio.Socket socket) {
        lock.lock();
        try {
            c.attach(socket);
            c.attached = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        LOG.log(Level.DEBUG, () -> "socket " + c.id + " attached");
    }

    @Override
    public void onText(WsConnection c, String text) {
        JsonNode msg;
        try {
            msg = Json.MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            return; // ComfyUI only logs invalid JSON, and keeps waiting for a first valid message
        }
        lock.lock();
        try {
            if (c.sawFirstText) {
                return;
            }
            c.sawFirstText = true;
            if (config.oldServer() || msg == null || !"feature_flags".equals(msg.path("type").asText())) {
                return;
            }
            c.supportsPreviewMetadata = msg.path("data").path("supports_preview_metadata").isBoolean()
                    && msg.path("data").path("supports_preview_metadata").booleanValue();
            WsConnection target = sockets.get(c.sid);
            if (target != null) {
                deliver(target, "feature_flags", message("feature_flags", serverFeatures()));
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void onClosed(WsConnection c) {
        lock.lock();
        try {
            openConnections.remove(c);
            if (config.reconnectRaceBug() && !c.dropped) {
                // ComfyUI's cleanup pops the entry for this id even when it already belongs to a newer socket (§4).
                // A socket the fake dropped had that cleanup in drop(), at once, as aiohttp runs it when the
                // server aborts the transport; running it again here, whenever this reader thread gets to it,
                // would unregister a client that reconnected at once, which dropSockets() promises it may do.
                sockets.remove(c.sid);
            } else if (sockets.get(c.sid) == c) {
                sockets.remove(c.sid);
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        LOG.log(Level.DEBUG, () -> "socket " + c.id + " closed");
    }

    int openSockets() {
        return locked(this::attachedConnections);
    }

    private int attachedConnections() {
        int n = 0;
        for (WsConnection c : openConnections) {
            if (c.attached) {
                n++;
            }
        }
        return n;
    }

    boolean awaitOpenSockets(int count, long timeoutNanos) throws InterruptedException {
        lock.lock();
        try {
            long remaining = timeoutNanos;
            while (attachedConnections() != count) {
                if (remaining <= 0) {
                    return false;
                }
                remaining = changed.awaitNanos(remaining);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    void dropSockets() {
        locked(() -> List.copyOf(openConnections).forEach(this::drop));
    }

    void dropSocketsAfter(int frames) {
        locked(() -> {
            for (WsConnection c : List.copyOf(openConnections)) {
                if (frames == 0) {
                    drop(c);
                } else {
                    c.dropAfterFrames = frames;
                }
            }
        });
    }

    void dropSocketsBefore(String type) {
        locked(() -> openConnections.forEach(c -> c.dropBeforeType = type));
    }

    private void drop(WsConnection c) {
        c.removed = true;
        c.dropped = true;
        if (sockets.get(c.sid) == c) {
            sockets.remove(c.sid);
        }
        c.abort();
    }

    private static Frame message(String type, ObjectNode data) {
        ObjectNode m = Json.object();
        m.put("type", type);
        m.set("data", data);
        return new Frame(0x1, Json.bytes(m)); // UTF-8 straight from the tree, without a String in between
    }

    /** Sends a text event to one client id, or to every registered socket when {@code sid} is null. */
    private void send(String type, ObjectNode data, String sid) {
        Frame f = message(type, data);
        if (sid == null) {
            for (WsConnection c : List.copyOf(sockets.values())) {
                deliver(c, type, f);
            }
        } else {
            WsConnection c = sockets.get(sid);
            if (c != null) {
                deliver(c, type, f);
            }
        }
    }

    private void sendBinary(byte[] payload, String sid) {
        Frame f = Frame.binary(payload);
        if (sid == null) {
            for (WsConnection c : List.copyOf(sockets.values())) {
                deliver(c, "binary", f);
            }
        } else {
            WsConnection c = sockets.get(sid);
            if (c != null) {
                deliver(c, "binary", f);
            }
        }
    }

    private void deliver(WsConnection c, String type, Frame f) {
        if (heldFrames != null) {
            heldFrames.add(new HeldFrame(c, type, f));
            return;
        }
        if (type.equals(c.dropBeforeType)) {
            drop(c);
            return;
        }
        c.enqueue(f);
        if (c.dropAfterFrames > 0 && --c.dropAfterFrames == 0) {
            drop(c);
        }
    }

    /** Holds every frame sent from now on until {@link #releaseFrames()}. */
    void holdFrames() {
        locked(() -> {
            if (heldFrames == null) {
                heldFrames = new ArrayList<>();
            }
        });
    }

    /** Sends the held frames in their order to the connections still open, and stops holding. */
    void releaseFrames() {
        locked(() -> {
            List<HeldFrame> held = heldFrames;
            heldFrames = null;
            if (held != null) {
                for (HeldFrame h : held) {
                    if (h.connection().isOpen()) {
                        deliver(h.connection(), h.type(), h.frame());
                    }
                }
            }
        });
    }

    /** Counts a request on {@code path}; says whether it is to fail (see {@link FakeComfyUi#failNextRequests}). */
    boolean countRequest(String path) {
        requestCounts.computeIfAbsent(path, k -> new LongAdder()).increment();
        for (Map.Entry<String, AtomicInteger> e : requestFailures.entrySet()) {
            if (isAtOrBelow(path, e.getKey()) && e.getValue().getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                return true;
            }
        }
        return false;
    }

    /** Requests answered on {@code path} or below it (see {@link FakeComfyUi#requestCount}). */
    long requestCount(String path) {
        long count = 0;
        for (Map.Entry<String, LongAdder> e : requestCounts.entrySet()) {
            if (isAtOrBelow(e.getKey(), path)) {
                count += e.getValue().sum();
            }
        }
        return count;
    }

    /** Whether request path {@code path} is {@code rule} or below it: a path, not a string prefix. */
    static boolean isAtOrBelow(String path, String rule) {
        return path.equals(rule) || path.startsWith(rule.endsWith("/") ? rule : rule + "/");
    }

    /** A path as the fake's controls take it: starting with {@code /}. */
    static String checkPath(String path) {
        Objects.requireNonNull(path, "path");
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("path must start with '/', was '" + path + "'");
        }
        return path;
    }

    private boolean clientWantsMetadata(String cid) {
        if (config.oldServer() || cid == null) {
            return false;
        }
        WsConnection c = sockets.get(cid);
        return c != null && c.supportsPreviewMetadata;
    }

    ObjectNode serverFeatures() {
        ObjectNode f = Json.object();
        f.put("supports_preview_metadata", true);
        f.put("max_upload_size", config.maxUploadSize());
        return f;
    }

    private ObjectNode statusData() {
        ObjectNode data = Json.object();
        data.putObject("status").putObject("exec_info").put("queue_remaining", queueRemaining());
        return data;
    }

    int queueRemaining() {
        return pending.size() + (running != null ? 1 : 0);
    }

    private void broadcastStatus() {
        send("status", statusData(), null);
    }

    // ------------------------------------------------------------------ submitting

    /** The outcome of a POST /prompt: an HTTP status and a JSON body, or a 500 text. */
    record Submission(int status, JsonNode body, String text) {}

    Submission submit(JsonNode json, String rawBody, boolean foreign) {
        lock.lock();
        try {
            JsonNode number;
            double sortKey;
            if (json.has("number")) {
                JsonNode n;
                try {
                    n = PromptValidator.coerce("FLOAT", json.get("number"));
                } catch (Exception e) {
                    return new Submission(500, null, "500 Internal Server Error\n\nServer got itself in trouble");
                }
                number = n;
                sortKey = n.doubleValue();
            } else {
                long n = nextNumber;
                if (json.path("front").asBoolean(false)) {
                    n = -n;
                }
                nextNumber++;
                number = Json.F.numberNode(n);
                sortKey = n;
            }
            if (!json.has("prompt")) {
                if (config.oldServer()) {
                    ObjectNode body = Json.object();
                    body.put("error", "no prompt");
                    body.putArray("node_errors");
                    return new Submission(400, body, null);
                }
                ObjectNode error = PromptValidator.error("no_prompt", "No prompt provided", "No prompt provided");
                ObjectNode body = Json.object();
                body.set("error", error);
                body.putObject("node_errors");
                return new Submission(400, body, null);
            }
            String promptId = !config.oldServer() && json.has("prompt_id") ? Py.str(json.get("prompt_id"))
                    : UUID.randomUUID().toString();
            Optional<List<String>> partial = Optional.empty();
            if (json.path("partial_execution_targets").isArray()) {
                List<String> targets = new ArrayList<>();
                json.get("partial_execution_targets").forEach(t -> targets.add(t.asText()));
                partial = Optional.of(targets);
            }
            PromptValidator.Result result = PromptValidator.validate(json.get("prompt"), partial, catalog(),
                    this::inputFileExists);
            ObjectNode extraData = json.path("extra_data").isObject() ? ((ObjectNode) json.get("extra_data")).deepCopy()
                    : Json.object();
            if (json.has("client_id")) {
                extraData.set("client_id", json.get("client_id"));
            }
            JsonNode cidNode = extraData.get("client_id");
            String cid = cidNode == null || cidNode.isNull() ? null
                    : cidNode.isTextual() ? cidNode.asText() : "\u0000" + cidNode;
            if (!foreign) {
                ReceivedPrompt rp = new ReceivedPrompt(promptId,
                        json.path("client_id").isTextual() ? Optional.of(json.get("client_id").asText()) : Optional.empty(),
                        json.get("prompt"), number.doubleValue(), rawBody,
                        result instanceof PromptValidator.Accepted);
                received.add(rp);
                receivedQueue.add(rp);
                // Bounded, so that a long-running demo server does not keep every request forever.
                if (received.size() > MAX_HISTORY) {
                    received.remove(0);
                }
                if (receivedQueue.size() > MAX_HISTORY) {
                    receivedQueue.poll();
                }
            }
            if (result instanceof PromptValidator.Crashed crashed) {
                return new Submission(500, null, "500 Internal Server Error\n\nServer got itself in trouble");
            }
            if (result instanceof PromptValidator.Rejected rejected) {
                ObjectNode body = Json.object();
                body.set("error", rejected.error());
                body.set("node_errors", rejected.nodeErrors());
                changed.signalAll();
                return new Submission(400, body, null);
            }
            PromptValidator.Accepted accepted = (PromptValidator.Accepted) result;
            ObjectNode stored = extraData.deepCopy();
            SENSITIVE_EXTRA_DATA.forEach(stored::remove);
            QueueItem item = new QueueItem(number, sortKey, promptId, accepted.graph(), extraData, stored,
                    accepted.outputs(), cid);
            int at = 0;
            while (at < pending.size() && compare(pending.get(at), item) <= 0) {
                at++;
            }
            pending.add(at, item);
            broadcastStatus();
            changed.signalAll();
            ObjectNode body = Json.object();
            body.put("prompt_id", promptId);
            body.set("number", number);
            body.set("node_errors", accepted.nodeErrors());
            return new Submission(200, body, null);
        } finally {
            lock.unlock();
        }
    }

    private static int compare(QueueItem a, QueueItem b) {
        int c = Double.compare(a.sortKey(), b.sortKey());
        return c != 0 ? c : a.promptId().compareTo(b.promptId());
    }

    List<ReceivedPrompt> receivedPrompts() {
        return locked(() -> List.copyOf(received));
    }

    // ------------------------------------------------------------------ queue, interrupt, history

    ObjectNode queueJson() {
        return locked(() -> {
            ObjectNode q = Json.object();
            ArrayNode r = q.putArray("queue_running");
            if (running != null) {
                r.add(running.toArray(false));
            }
            ArrayNode p = q.putArray("queue_pending");
            pending.forEach(i -> p.add(i.toArray(false)));
            return q;
        });
    }

    ObjectNode promptInfo() {
        return locked(() -> {
            ObjectNode o = Json.object();
            o.putObject("exec_info").put("queue_remaining", queueRemaining());
            return o;
        });
    }

    void deleteQueued(List<String> ids) {
        locked(() -> {
            for (String id : ids) {
                for (int i = 0; i < pending.size(); i++) {
                    if (pending.get(i).promptId().equals(id)) {
                        boolean wasOnly = pending.size() == 1;
                        pending.remove(i);
                        if (wasOnly) {
                            broadcastStatus(); // wipe_queue() reports too (protocol §8.6)
                        }
                        broadcastStatus();
                        break;
                    }
                }
            }
            changed.signalAll();
        });
    }

    void clearQueue() {
        locked(() -> {
            pending.clear();
            broadcastStatus();
            changed.signalAll();
        });
    }

    /** Interrupts the running prompt; with an id, only if that prompt is the one running. */
    void interrupt(Optional<String> promptId) {
        locked(() -> {
            if (promptId.isPresent() && !config.oldServer()
                    && (running == null || !running.promptId().equals(promptId.get()))) {
                return;
            }
            interruptFlag = true;
            // A held, interrupted prompt must end; the hold stays off for later prompts until holdExecution again.
            held = false;
            changed.signalAll();
        });
    }

    void requestFree(boolean freeMemory) {
        locked(() -> {
            if (freeMemory) {
                if (running == null) {
                    cache.clear();
                } else {
                    freeMemoryRequested = true;
                }
            }
        });
    }

    ObjectNode history(Optional<String> promptId, Integer maxItems, int offset) {
        return locked(() -> {
            ObjectNode out = Json.object();
            if (promptId.isPresent()) {
                ObjectNode e = history.get(promptId.get());
                if (e != null) {
                    out.set(promptId.get(), e.deepCopy());
                }
                return out;
            }
            int off = offset;
            if (off < 0 && maxItems != null) {
                off = history.size() - maxItems;
            }
            int i = 0;
            for (Map.Entry<String, ObjectNode> e : history.entrySet()) {
                if (i >= off) {
                    out.set(e.getKey(), e.getValue().deepCopy());
                    if (maxItems != null && out.size() >= maxItems) {
                        break;
                    }
                }
                i++;
            }
            return out;
        });
    }

    void deleteHistory(List<String> ids) {
        locked(() -> ids.forEach(history::remove));
    }

    void clearHistory() {
        locked(history::clear);
    }

    void pause(boolean pause) {
        locked(() -> {
            paused = pause;
            changed.signalAll();
        });
    }

    void hold(boolean hold) {
        locked(() -> {
            held = hold;
            if (!hold) {
                releases++;
            }
            changed.signalAll();
        });
    }

    void signal() {
        locked(changed::signalAll);
    }

    void restart() {
        locked(() -> {
            epoch++;
            pending.clear();
            running = null;
            history.clear();
            cache.clear();
            files.keySet().removeIf(k -> k.type().equals("temp"));
            nextNumber = 0;
            interruptFlag = false;
            lastNodeId = null;
            startedPrompts.clear();
            for (WsConnection c : List.copyOf(openConnections)) {
                drop(c);
            }
            changed.signalAll();
        });
        LOG.log(Level.DEBUG, "fake ComfyUI restarted: queue, history and sockets forgotten");
    }

    boolean awaitIdle(long timeoutNanos) throws InterruptedException {
        lock.lock();
        try {
            long remaining = timeoutNanos;
            while (running != null || !pending.isEmpty() && !paused) {
                if (remaining <= 0) {
                    return false;
                }
                remaining = changed.awaitNanos(remaining);
            }
            return running == null && pending.isEmpty();
        } finally {
            lock.unlock();
        }
    }

    boolean awaitRunning(String promptId, long timeoutNanos) throws InterruptedException {
        lock.lock();
        try {
            long remaining = timeoutNanos;
            while (!startedPrompts.contains(promptId)) {
                if (remaining <= 0) {
                    return false;
                }
                remaining = changed.awaitNanos(remaining);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    long busyNanos() {
        return locked(() -> busyNanos);
    }

    long completedPrompts() {
        return locked(() -> completedPrompts);
    }

    // ------------------------------------------------------------------ files

    boolean inputFileExists(String annotated) {
        String name = annotated;
        String type = "input";
        for (String t : List.of("input", "output", "temp")) {
            if (name.endsWith(" [" + t + "]")) {
                type = t;
                name = name.substring(0, name.length() - t.length() - 3);
                break;
            }
        }
        int slash = name.lastIndexOf('/');
        String sub = slash < 0 ? "" : name.substring(0, slash);
        String base = slash < 0 ? name : name.substring(slash + 1);
        return files.containsKey(new FileKey(type, sub, base));
    }

    /**
     * The bytes of a stored file, if present: the upload, the PNG rendered when the node ran, or (once evicted)
     * the PNG rendered again from its recipe outside the lock.
     */
    Optional<byte[]> readFile(String type, String subfolder, String name) {
        StoredFile f = locked(() -> files.get(new FileKey(type, subfolder, name)));
        return f == null ? Optional.empty() : Optional.of(bytesOf(f));
    }

    private byte[] bytesOf(StoredFile f) {
        if (f.bytes() != null) {
            return f.bytes();
        }
        return rendered.get(f).orElseGet(() -> render(f.spec(), f.index()));
    }

    private byte[] render(ImageSpec spec, int index) {
        return Images.png(spec, index, config.noisyImages(), config.minImageBytes());
    }

    /** The total bytes of rendered PNGs kept for {@code /view}. */
    long renderedBytes() {
        return rendered.totalBytes();
    }

    /**
     * Stores an upload with ComfyUI's naming rule: same name and same content keeps the name,
     * different content becomes {@code name (1).ext}, unless overwrite is set.
     */
    String upload(String type, String subfolder, String filename, byte[] content, boolean overwrite) {
        return locked(() -> {
            String name = filename;
            if (!overwrite) {
                int dot = filename.lastIndexOf('.');
                String stem = dot <= 0 ? filename : filename.substring(0, dot);
                String ext = dot <= 0 ? "" : filename.substring(dot);
                int i = 1;
                while (true) {
                    StoredFile existing = files.get(new FileKey(type, subfolder, name));
                    if (existing == null) {
                        break;
                    }
                    if (Arrays.equals(bytesOf(existing), content)) {
                        return name;
                    }
                    name = stem + " (" + i + ")" + ext;
                    i++;
                }
            }
            files.put(new FileKey(type, subfolder, name), new StoredFile(content, null, 0));
            catalog = null; // LoadImage's option list changed
            return name;
        });
    }

    // ------------------------------------------------------------------ the runner

    private void runLoop() {
        while (true) {
            QueueItem item;
            int myEpoch;
            lock.lock();
            try {
                while (!closed && (paused || pending.isEmpty())) {
                    changed.awaitUninterruptibly();
                }
                if (closed) {
                    return;
                }
                item = pending.remove(0);
                running = item;
                interruptFlag = false;
                myEpoch = epoch;
                startedPrompts.add(item.promptId());
                if (startedPrompts.size() > MAX_HISTORY) {
                    startedPrompts.remove(startedPrompts.iterator().next());
                }
                broadcastStatus();
                changed.signalAll();
            } finally {
                lock.unlock();
            }
            long t0 = System.nanoTime();
            try {
                new Run(item, myEpoch).execute();
            } catch (Abandoned a) {
                LOG.log(Level.DEBUG, () -> "prompt " + item.promptId() + " abandoned by restart or close");
            } catch (RuntimeException | Error e) {
                LOG.log(Level.ERROR, "fake runner failed on prompt " + item.promptId(), e);
                locked(() -> {
                    if (running == item) {
                        running = null;
                    }
                    changed.signalAll();
                });
            }
            long spent = System.nanoTime() - t0;
            locked(() -> {
                busyNanos += spent;
                completedPrompts++;
            });
        }
    }

    /** One execution of one prompt; every method runs on the runner thread with the lock held. */
    private final class Run {
        final QueueItem item;
        final int runEpoch;
        final String cid;
        final String promptId;
        final ObjectNode graph;
        final ArrayNode messages = Json.array();
        final LinkedHashMap<String, ObjectNode> progress = new LinkedHashMap<>();
        final Map<String, Object[]> values = new HashMap<>();
        final LinkedHashMap<String, JsonNode> uiOutputs = new LinkedHashMap<>();
        final List<String> executed = new ArrayList<>();
        final Map<String, String> signatures = new HashMap<>();
        long releasesAtNodeStart;

        Run(QueueItem item, int runEpoch) {
            this.item = item;
            this.runEpoch = runEpoch;
            this.cid = item.clientId();
            this.promptId = item.promptId();
            this.graph = item.graph();
        }

        void execute() {
            lock.lock();
            try {
                alive();
                ObjectNode start = Json.object();
                start.put("prompt_id", promptId);
                addMessage("execution_start", start, false);

                Set<String> used = new HashSet<>();
                graph.fieldNames().forEachRemaining(id -> used.add(signature(id)));
                cache.keySet().retainAll(used);
                ArrayNode cachedNodes = Json.array();
                Set<String> cached = new HashSet<>();
                graph.fieldNames().forEachRemaining(id -> {
                    if (isCached(id)) {
                        cachedNodes.add(id);
                        cached.add(id);
                    }
                });
                ObjectNode cachedMsg = Json.object();
                cachedMsg.set("nodes", cachedNodes);
                cachedMsg.put("prompt_id", promptId);
                addMessage("execution_cached", cachedMsg, false);
                for (String id : cached) {
                    values.put(id, cache.get(signature(id)).outputs());
                }

                ExecutionList list = new ExecutionList(graph, cached::contains, this::isOutputNode);
                item.outputs().forEach(list::addNode);
                boolean success = true;
                while (!list.isEmpty()) {
                    String nodeId = list.next();
                    waitWhileHeld();
                    try {
                        runNode(nodeId, cached.contains(nodeId));
                    } catch (Interrupted e) {
                        ObjectNode data = errorBase(nodeId);
                        addMessage("execution_interrupted", data, true);
                        success = false;
                        break;
                    } catch (NodeFailed e) {
                        ObjectNode data = errorBase(nodeId);
                        data.put("exception_message", e.failure.message() + "\n");
                        data.put("exception_type", e.failure.exceptionType());
                        ArrayNode tb = data.putArray("traceback");
                        tb.add("  File \"ComfyUI/execution.py\", line 496, in execute\n    ...\n");
                        tb.add("  File \"ComfyUI/execution.py\", line 315, in get_output_data\n    ...\n");
                        tb.add("  File \"ComfyUI/execution.py\", line 289, in _async_map_node_over_list\n    ...\n");
                        tb.add("  File \"ComfyUI/execution.py\", line 277, in process_inputs\n    ...\n");
                        data.set("current_inputs", currentInputs(nodeId));
                        ArrayNode outs = data.putArray("current_outputs");
                        graph.fieldNames().forEachRemaining(outs::add);
                        addMessage("execution_error", data, false);
                        success = false;
                        break;
                    }
                    list.complete(nodeId);
                }
                if (success && !config.oldServer()) {
                    ObjectNode ok = Json.object();
                    ok.put("prompt_id", promptId);
                    addMessage("execution_success", ok, false);
                }
                finish(success);
            } finally {
                lock.unlock();
            }
        }

        private void finish(boolean success) {
            ObjectNode entry = Json.object();
            entry.set("prompt", item.toArray(true));
            ObjectNode outputs = entry.putObject("outputs");
            ObjectNode meta = Json.object();
            uiOutputs.forEach((id, ui) -> {
                outputs.set(id, ui);
                ObjectNode m = meta.putObject(id);
                m.put("node_id", id);
                m.put("display_node", id);
                m.putNull("parent_node");
                m.put("real_node_id", id);
            });
            ObjectNode status = entry.putObject("status");
            status.put("status_str", success ? "success" : "error");
            status.put("completed", success);
            status.set("messages", messages);
            entry.set("meta", meta);
            history.remove(promptId);
            history.put(promptId, entry);
            while (history.size() > MAX_HISTORY + 1) {
                Iterator<String> it = history.keySet().iterator();
                it.next();
                it.remove();
            }
            running = null;
            lastNodeId = null;
            if (freeMemoryRequested) {
                cache.clear();
                freeMemoryRequested = false;
            }
            broadcastStatus();
            if (cid != null) {
                ObjectNode done = Json.object();
                done.putNull("node");
                done.put("prompt_id", promptId);
                send("executing", done, cid);
            }
            changed.signalAll();
        }

        private ObjectNode errorBase(String nodeId) {
            ObjectNode data = Json.object();
            data.put("prompt_id", promptId);
            data.put("node_id", nodeId);
            data.put("node_type", classType(nodeId));
            ArrayNode ex = data.putArray("executed");
            executed.forEach(ex::add);
            return data;
        }

        /** ComfyUI's {@code add_message}: stamp, record for history, send to the client (or everyone). */
        private void addMessage(String type, ObjectNode data, boolean broadcast) {
            if (!config.oldServer()) {
                data.put("timestamp", System.currentTimeMillis());
            }
            ArrayNode m = messages.addArray();
            m.add(type);
            m.add(data);
            if (cid != null || broadcast) {
                send(type, data.deepCopy(), cid);
            }
        }

        private void alive() {
            if (closed || epoch != runEpoch) {
                throw new Abandoned();
            }
        }

        private void waitWhileHeld() {
            while (held && !interruptFlag) {
                alive();
                changed.awaitUninterruptibly();
            }
            alive();
        }

        /** Waits out execution time; an interrupt, a release, a restart or close ends the wait early. */
        private void sleep(long nanos) {
            long deadline = System.nanoTime() + nanos;
            while (true) {
                alive();
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0 || interruptFlag || releases != releasesAtNodeStart) {
                    return;
                }
                try {
                    changed.awaitNanos(remaining);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new Abandoned();
                }
            }
        }

        private void checkpoint() throws Interrupted {
            alive();
            if (interruptFlag) {
                throw new Interrupted();
            }
        }

        private String classType(String nodeId) {
            return graph.get(nodeId).get("class_type").asText();
        }

        private boolean isOutputNode(String nodeId) {
            return catalog().get(classType(nodeId)).map(NodeClass::outputNode).orElse(false);
        }

        private boolean neverCached(String nodeId) {
            return classType(nodeId).equals("SaveImageWebsocket"); // IS_CHANGED returns time.time()
        }

        private boolean isCached(String nodeId) {
            return config.cache() && !neverCached(nodeId) && cache.containsKey(signature(nodeId));
        }

        /** The cache key of a node: its class and inputs, with links replaced by the source's key. */
        private String signature(String nodeId) {
            String s = signatures.get(nodeId);
            if (s != null) {
                return s;
            }
            signatures.put(nodeId, "cycle:" + nodeId);
            JsonNode node = graph.get(nodeId);
            StringBuilder sb = new StringBuilder(node.path("class_type").asText()).append('{');
            Iterator<Map.Entry<String, JsonNode>> it = node.path("inputs").fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                sb.append(e.getKey()).append('=');
                JsonNode v = e.getValue();
                if (ExecutionList.isLink(v) && graph.has(v.get(0).asText())) {
                    String src = v.get(0).asText();
                    if (neverCached(src)) {
                        sb.append("uncached:").append(UUID.randomUUID());
                    } else {
                        sb.append('(').append(signature(src)).append(")[").append(v.get(1).asInt()).append(']');
                    }
                } else {
                    sb.append(Json.write(v));
                }
                sb.append(';');
            }
            s = sb.append('}').toString();
            signatures.put(nodeId, s);
            return s;
        }

        private ObjectNode progressEntry(String nodeId, JsonNode value, JsonNode max, String state) {
            ObjectNode p = Json.object();
            p.set("value", value);
            p.set("max", max);
            p.put("state", state);
            p.put("node_id", nodeId);
            p.put("prompt_id", promptId);
            p.put("display_node_id", nodeId);
            p.putNull("parent_node_id");
            p.put("real_node_id", nodeId);
            return p;
        }

        private void sendProgressState() {
            if (config.oldServer()) {
                return; // progress_state arrived with v0.3.45
            }
            ObjectNode data = Json.object();
            data.put("prompt_id", promptId);
            ObjectNode nodes = data.putObject("nodes");
            progress.forEach((id, p) -> nodes.set(id, p.deepCopy()));
            send("progress_state", data, cid);
        }

        private void finishProgress(String nodeId) {
            ObjectNode p = progress.get(nodeId);
            if (p == null) {
                progress.put(nodeId, progressEntry(nodeId, Json.F.numberNode(1), Json.F.numberNode(1), "finished"));
            } else {
                p.set("value", p.get("max"));
                p.put("state", "finished");
            }
            sendProgressState();
        }

        /**
         * One progress update with an optional image, in ComfyUI's order: progress_state, then
         * event 4 for clients that negotiated metadata, then progress, then legacy event 1.
         */
        private void progressStep(String nodeId, int value, int max, byte[] image, boolean png) throws Interrupted {
            checkpoint();
            ObjectNode p = progress.get(nodeId);
            p.put("value", value);
            p.put("max", max);
            sendProgressState();
            boolean meta = clientWantsMetadata(cid);
            if (image != null && meta) {
                ObjectNode m = Json.object();
                m.put("node_id", nodeId);
                m.put("prompt_id", promptId);
                m.put("display_node_id", nodeId);
                m.putNull("parent_node_id");
                m.put("real_node_id", nodeId);
                m.put("image_type", png ? "image/png" : "image/jpeg");
                byte[] metaBytes = Json.write(m).getBytes(StandardCharsets.UTF_8);
                byte[] frame = new byte[8 + metaBytes.length + image.length];
                putInt(frame, 0, 4);
                putInt(frame, 4, metaBytes.length);
                System.arraycopy(metaBytes, 0, frame, 8, metaBytes.length);
                System.arraycopy(image, 0, frame, 8 + metaBytes.length, image.length);
                sendBinary(frame, cid);
            }
            ObjectNode prog = Json.object();
            prog.put("value", value);
            prog.put("max", max);
            prog.put("prompt_id", promptId);
            prog.put("node", nodeId);
            send("progress", prog, cid);
            if (image != null && !meta) {
                byte[] frame = new byte[8 + image.length];
                putInt(frame, 0, 1);
                putInt(frame, 4, png ? 2 : 1);
                System.arraycopy(image, 0, frame, 8, image.length);
                sendBinary(frame, cid);
            }
        }

        private void runNode(String nodeId, boolean isCachedNode) throws Interrupted, NodeFailed {
            String type = classType(nodeId);
            if (isCachedNode) {
                CacheEntry entry = cache.get(signature(nodeId));
                if (cid != null) {
                    ObjectNode data = Json.object();
                    data.put("node", nodeId);
                    data.put("display_node", nodeId);
                    data.set("output", entry.ui() == null ? Json.F.nullNode() : entry.ui().deepCopy());
                    data.put("prompt_id", promptId);
                    send("executed", data, cid);
                }
                if (entry.ui() != null) {
                    uiOutputs.put(nodeId, entry.ui().deepCopy());
                }
                finishProgress(nodeId);
                return;
            }
            releasesAtNodeStart = releases;
            progress.put(nodeId, progressEntry(nodeId, Json.F.numberNode(0.0), Json.F.numberNode(1.0), "running"));
            sendProgressState();
            lastNodeId = nodeId;
            if (cid != null) {
                ObjectNode data = Json.object();
                data.put("node", nodeId);
                data.put("display_node", nodeId);
                data.put("prompt_id", promptId);
                send("executing", data, cid);
            }
            checkpoint();
            long nanos = nodeTime(nodeId, type).toNanos();
            Failure failure = failures.getOrDefault(nodeId, failures.get(type));
            if (failure != null) {
                sleep(nanos);
                alive();
                throw new NodeFailed(failure);
            }
            JsonNode ui = null;
            Object[] out;
            JsonNode inputs = graph.get(nodeId).path("inputs");
            switch (type) {
                case "EmptyLatentImage":
                case "EmptySD3LatentImage":
                    sleep(nanos);
                    out = new Object[] {new LatentSpec(inputs.path("width").asInt(), inputs.path("height").asInt(),
                            inputs.path("batch_size").asInt(1), 0)};
                    break;
                case "KSampler":
                    out = new Object[] {sample(nodeId, inputs, nanos)};
                    break;
                case "VAEDecode": {
                    sleep(nanos);
                    LatentSpec l = latentInput(inputs.get("samples"));
                    out = new Object[] {new ImageSpec(l.width(), l.height(), l.batch(), l.seed(), 0, false), null};
                    break;
                }
                case "VAEEncode": {
                    sleep(nanos);
                    ImageSpec i = imageInput(inputs.get("pixels"));
                    out = new Object[] {new LatentSpec(i.width(), i.height(), i.batch(), i.seed() ^ i.color())};
                    break;
                }
                case "EmptyImage":
                    sleep(nanos);
                    out = new Object[] {new ImageSpec(inputs.path("width").asInt(), inputs.path("height").asInt(),
                            inputs.path("batch_size").asInt(1), 0, inputs.path("color").asInt(), true)};
                    break;
                case "LoadImage": {
                    sleep(nanos);
                    out = new Object[] {loadImage(inputs.path("image").asText()), new Token("MASK")};
                    break;
                }
                case "SaveImage":
                case "PreviewImage":
                    sleep(nanos);
                    ui = saveImages(type.equals("SaveImage"), imageInput(inputs.get("images")),
                            inputs.path("filename_prefix").asText("ComfyUI"));
                    out = new Object[0];
                    break;
                case "SaveImageWebsocket":
                    sleep(nanos);
                    sendImagesOverSocket(nodeId, imageInput(inputs.get("images")));
                    out = new Object[0];
                    break;
                default: {
                    sleep(nanos);
                    NodeClass cls = catalog().get(type).orElseThrow();
                    out = new Object[cls.outputs().size()];
                    for (int i = 0; i < out.length; i++) {
                        out[i] = new Token(cls.outputs().get(i));
                    }
                }
            }
            alive();
            values.put(nodeId, out);
            if (ui != null) {
                uiOutputs.put(nodeId, ui);
                if (cid != null) {
                    ObjectNode data = Json.object();
                    data.put("node", nodeId);
                    data.put("display_node", nodeId);
                    data.set("output", ui.deepCopy());
                    data.put("prompt_id", promptId);
                    send("executed", data, cid);
                }
            }
            finishProgress(nodeId);
            executed.add(nodeId);
            if (config.cache() && !neverCached(nodeId)) {
                cache.put(signature(nodeId), new CacheEntry(out, ui));
            }
        }

        private Duration nodeTime(String nodeId, String type) {
            Duration d = nodeTimes.get(nodeId);
            if (d == null) {
                d = nodeTimes.get(type);
            }
            return d != null ? d : defaultNodeTime;
        }

        private Object linked(JsonNode link) {
            Object[] out = values.get(link.get(0).asText());
            return out == null ? null : out[link.get(1).asInt()];
        }

        private LatentSpec latentInput(JsonNode link) {
            Object v = linked(link);
            return v instanceof LatentSpec l ? l : new LatentSpec(512, 512, 1, 0);
        }

        private ImageSpec imageInput(JsonNode link) {
            Object v = linked(link);
            return v instanceof ImageSpec i ? i : new ImageSpec(512, 512, 1, 0, 0, true);
        }

        private LatentSpec sample(String nodeId, JsonNode inputs, long nanos) throws Interrupted {
            LatentSpec latent = latentInput(inputs.get("latent_image"));
            long seed = inputs.path("seed").bigIntegerValue().longValue();
            LatentSpec result = new LatentSpec(latent.width(), latent.height(), latent.batch(),
                    Images.mix(seed ^ Images.mix(latent.seed())));
            int steps = Math.max(1, inputs.path("steps").asInt(20));
            long perStep = nanos / steps;
            for (int i = 1; i <= steps; i++) {
                sleep(perStep);
                byte[] preview = null;
                if (livePreviews) {
                    ImageSpec spec = new ImageSpec(result.width(), result.height(), 1, result.seed(), 0, false);
                    preview = unlocked(() -> Images.jpegPreview(spec, 0, config.previewSize()));
                }
                progressStep(nodeId, i, steps, preview, false);
            }
            return result;
        }

        private ImageSpec loadImage(String annotated) {
            String name = annotated;
            String type = "input";
            for (String t : List.of("input", "output", "temp")) {
                if (name.endsWith(" [" + t + "]")) {
                    type = t;
                    name = name.substring(0, name.length() - t.length() - 3);
                }
            }
            int slash = name.lastIndexOf('/');
            StoredFile f = files.get(new FileKey(type, slash < 0 ? "" : name.substring(0, slash),
                    slash < 0 ? name : name.substring(slash + 1)));
            if (f == null) {
                return new ImageSpec(512, 512, 1, 0, 0, true);
            }
            if (f.spec() != null) {
                return new ImageSpec(f.spec().width(), f.spec().height(), 1, f.spec().seed(), f.spec().color(),
                        f.spec().solid());
            }
            int[] wh = Images.dimensions(f.bytes());
            return new ImageSpec(wh[0], wh[1], 1, Arrays.hashCode(f.bytes()), 0, false);
        }

        private JsonNode saveImages(boolean output, ImageSpec spec, String prefix) {
            String type = output ? "output" : "temp";
            String fullPrefix = output ? prefix : "ComfyUI_temp_" + randomLetters();
            String normalized = fullPrefix.replace("%width%", Integer.toString(spec.width()))
                    .replace("%height%", Integer.toString(spec.height()));
            int slash = normalized.lastIndexOf('/');
            String subfolder = slash < 0 ? "" : normalized.substring(0, slash);
            String base = slash < 0 ? normalized : normalized.substring(slash + 1);
            String counterKey = type + "/" + subfolder + "/" + base;
            int counter = counters.getOrDefault(counterKey, 0) + 1;
            ObjectNode ui = Json.object();
            ArrayNode images = ui.putArray("images");
            for (int i = 0; i < spec.batch(); i++) {
                int index = i;
                StoredFile file = new StoredFile(null, spec, index);
                if (output) {
                    // ComfyUI writes SaveImage's files while the node runs, before `executed`; do the same so the
                    // encoding cost falls inside the execution and /view only serves bytes. Previews (temp) stay
                    // rendered on demand.
                    rendered.put(file, unlocked(() -> render(spec, index)));
                }
                String name = base.replace("%batch_num%", Integer.toString(i)) + "_" + pad5(counter) + "_.png";
                files.put(new FileKey(type, subfolder, name), file);
                ObjectNode img = images.addObject();
                img.put("filename", name);
                img.put("subfolder", subfolder);
                img.put("type", type);
                counter++;
            }
            counters.put(counterKey, counter - 1);
            return ui;
        }

        private void sendImagesOverSocket(String nodeId, ImageSpec spec) throws Interrupted {
            int n = spec.batch();
            for (int i = 0; i < n; i++) {
                int index = i;
                byte[] png = unlocked(() -> render(spec, index));
                progressStep(nodeId, i, n, png, true);
            }
            ObjectNode p = progress.get(nodeId);
            p.put("value", n);
            p.put("max", n);
        }

        private ObjectNode currentInputs(String nodeId) {
            ObjectNode ci = Json.object();
            Iterator<Map.Entry<String, JsonNode>> it = graph.get(nodeId).path("inputs").fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                NodeClass cls = catalog().get(classType(nodeId)).orElseThrow();
                if (cls.input(e.getKey()).isEmpty()) {
                    continue;
                }
                ArrayNode a = ci.putArray(e.getKey());
                JsonNode v = e.getValue();
                if (ExecutionList.isLink(v)) {
                    a.add(String.valueOf(linked(v)));
                } else if (v.isValueNode()) {
                    a.add(v);
                } else {
                    a.add(Py.str(v));
                }
            }
            return ci;
        }

        /** Runs CPU-heavy work (image encoding) without the lock, then checks the run is still alive. */
        private <T> T unlocked(Supplier<T> work) {
            int holds = lock.getHoldCount();
            for (int i = 0; i < holds; i++) {
                lock.unlock();
            }
            try {
                return work.get();
            } finally {
                for (int i = 0; i < holds; i++) {
                    lock.lock();
                }
                alive();
            }
        }
    }

    private static String randomLetters() {
        StringBuilder sb = new StringBuilder(5);
        java.util.concurrent.ThreadLocalRandom r = java.util.concurrent.ThreadLocalRandom.current();
        for (int i = 0; i < 5; i++) {
            sb.append((char) ('a' + r.nextInt(26)));
        }
        return sb.toString();
    }

    private static void putInt(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 24);
        b[off + 1] = (byte) (v >>> 16);
        b[off + 2] = (byte) (v >>> 8);
        b[off + 3] = (byte) v;
    }

    /** {@code String.format("%05d", n)} without a Formatter per saved file: the runner names every image. */
    static String pad5(long n) {
        String digits = Long.toString(n);
        return digits.length() >= 5 || n < 0 ? digits : "00000".substring(digits.length()) + digits;
    }
}
