package io.github.comfylite.testkit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;
import mockwebserver3.MockWebServer;

/**
 * A fake ComfyUI server for tests, demos and benchmarks: real HTTP and a real WebSocket on loopback
 * that behave as ComfyUI v0.3.64 does for a client that submits workflows, with no GPU.
 *
 * <pre>{@code
 * try (FakeComfyUi fake = FakeComfyUi.builder().build().start()) {
 *     URI comfy = fake.url();                      // http://127.0.0.1:PORT/
 *     // ... point the code under test at it, then:
 *     ReceivedPrompt p = fake.awaitPrompt(Duration.ofSeconds(5));
 *     fake.awaitIdle(Duration.ofSeconds(5));
 * }
 * }</pre>
 *
 * <p><b>What it serves</b> (each also under {@code /api/...}): {@code /ws?clientId=}, {@code POST
 * /prompt} with ComfyUI's validation and 400 bodies, {@code GET /prompt}, {@code GET/POST /queue},
 * {@code POST /interrupt}, {@code POST /free}, {@code GET /history}, {@code GET /history/{id}},
 * {@code POST /history}, {@code GET /view}, {@code POST /upload/image}, {@code GET /object_info[/{class}]},
 * {@code GET /features}, {@code GET /system_stats}, {@code GET /models[/{folder}]}, {@code GET
 * /embeddings}. It knows the node classes CheckpointLoaderSimple, CLIPTextEncode,
 * EmptyLatentImage, EmptySD3LatentImage, KSampler, VAEDecode, VAEEncode, SaveImage, PreviewImage,
 * SaveImageWebsocket, EmptyImage, LoadImage, FluxGuidance, UNETLoader, DualCLIPLoader and VAELoader.
 *
 * <p><b>How it runs prompts</b>: a FIFO queue (ordered by {@code number}) with one runner thread,
 * {@code comfylite-fake-runner}, that sends the WebSocket events of protocol §6/§8 in ComfyUI's
 * order and routing (to the submitting {@code client_id}, or broadcast where ComfyUI broadcasts),
 * writes the history entry, then sends {@code executing} with {@code node: null}. Nodes run in
 * ComfyUI's scheduling order. Outputs are cached like ComfyUI's default cache: sending the same
 * graph again replays the output nodes' earlier results with no {@code executing} (§8.2), unless
 * {@link Builder#cache(boolean) cache(false)}. Images are real PNGs, deterministic from the graph
 * (KSampler seed, size, batch; EmptyImage colour); SaveImage files are served by {@code /view} as
 * {@code ComfyUI_00001_.png}, ...; SaveImageWebsocket sends them as binary frames (event 1, or event
 * 4 after a {@code feature_flags} handshake).
 *
 * <p><b>Threads</b>: {@code comfylite-fake-runner} executes prompts; one {@code comfylite-fake-ws-N}
 * thread per WebSocket writes its frames in order; MockWebServer's connection threads serve HTTP and
 * read WebSocket frames. The fake's own threads are daemon threads, but MockWebServer's accept and task threads
 * are not: always {@link #close()} the fake (try-with-resources or the JUnit extension), or the JVM will not exit.
 * Every control and inspection method is thread-safe.
 *
 * <p><b>Logging</b>: MockWebServer logs every request at INFO through {@code java.util.logging};
 * unless that logger's level was configured, the fake sets it to WARNING so that tests and the demo
 * are not flooded.
 */
public final class FakeComfyUi implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(FakeComfyUi.class.getName());
    // Kept so the level set below is not lost when java.util.logging collects an unreferenced logger.
    private static final Logger MOCK_WEB_SERVER_LOGGER = Logger.getLogger(MockWebServer.class.getName());

    static {
        if (MOCK_WEB_SERVER_LOGGER.getLevel() == null) {
            MOCK_WEB_SERVER_LOGGER.setLevel(java.util.logging.Level.WARNING);
        }
    }

    private final Engine engine;
    private final int requestedPort;
    private MockWebServer server;
    private boolean closed;

    /** The total bytes of saved images' PNGs kept for {@code /view}; for tests of the bound. */
    long renderedImageBytes() {
        return engine.renderedBytes();
    }

    private FakeComfyUi(Builder b) {
        Engine.Config config = new Engine.Config(b.oldServer, b.cache, b.reconnectRaceBug, b.noisyImages,
                b.minImageBytes, b.maxUploadSize, b.previewSize, b.imageCacheBytes);
        this.engine = new Engine(config, b.models, b.executionTime, b.livePreviews);
        this.requestedPort = b.port;
    }

    /**
     * Returns a builder with the defaults: port 0, no execution time, no previews, a v0.3.64 server.
     *
     * @return a new builder; call {@link Builder#build()} and then {@link #start()}
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Binds the port and starts serving. Calling it again does nothing.
     *
     * @return this fake
     * @throws UncheckedIOException  if the port cannot be bound
     * @throws IllegalStateException after {@link #close()}
     */
    public synchronized FakeComfyUi start() {
        if (closed) {
            throw new IllegalStateException("this FakeComfyUi was closed; build a new one");
        }
        if (server != null) {
            return this;
        }
        MockWebServer s = new MockWebServer();
        s.setDispatcher(new Routes(engine, s));
        s.setServerSocketFactory(new NoDelayServerSocketFactory());
        try {
            s.start(InetAddress.getLoopbackAddress(), requestedPort);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the fake ComfyUI on port " + requestedPort, e);
        }
        engine.start();
        server = s;
        LOG.log(Level.DEBUG, () -> "fake ComfyUI listening on " + url());
        return this;
    }

    /**
     * The base URL, {@code http://127.0.0.1:PORT/}.
     *
     * @return the URL to point a client at, ending in a slash
     * @throws IllegalStateException if not started
     */
    public synchronized URI url() {
        return URI.create("http://127.0.0.1:" + port() + "/");
    }

    /**
     * The bound port.
     *
     * @return the TCP port on 127.0.0.1, chosen by the OS when the builder asked for port 0
     * @throws IllegalStateException if not started
     */
    public synchronized int port() {
        if (server == null) {
            throw new IllegalStateException("the fake ComfyUI is not started; call start() first");
        }
        return server.getPort();
    }

    /** Stops the runner, aborts every WebSocket and closes the port. Calling it again does nothing. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        engine.close();
        if (server != null) {
            server.close();
        }
    }

    // ------------------------------------------------------------------ controls

    /**
     * Sets the default time every node takes to run (KSampler spreads it over its steps).
     *
     * @param perNode run time of each node without its own setting; {@code Duration.ZERO} runs prompts as fast as
     *     possible
     */
    public void setExecutionTime(Duration perNode) {
        engine.defaultNodeTime = checkDuration(perNode, "perNode");
        engine.signal();
    }

    /**
     * Sets the run time of one node id or of every node of a class; a node id wins over its class.
     * {@code Duration.ZERO} makes it instant; there is no way back to the default except setting it.
     *
     * @param classTypeOrNodeId a node id from the prompt (e.g. {@code "3"}) or a class type (e.g. {@code "KSampler"})
     * @param time how long each run of that node takes
     */
    public void setNodeExecutionTime(String classTypeOrNodeId, Duration time) {
        engine.nodeTimes.put(Objects.requireNonNull(classTypeOrNodeId, "classTypeOrNodeId"), checkDuration(time, "time"));
    }

    /**
     * Makes later runs of a node (by node id or class type) raise a {@code RuntimeError} with this
     * message: the client gets {@code execution_error} (protocol §8.4). Cached nodes do not run, so a
     * fully cached re-run still succeeds, as on a real server.
     *
     * @param classTypeOrNodeId a node id from the prompt (e.g. {@code "3"}) or a class type (e.g. {@code "KSampler"})
     * @param exceptionMessage the {@code exception_message} the client receives
     */
    public void failNode(String classTypeOrNodeId, String exceptionMessage) {
        failNode(classTypeOrNodeId, "RuntimeError", exceptionMessage);
    }

    /**
     * Like {@link #failNode(String, String)} with a chosen {@code exception_type}, e.g. {@code torch.OutOfMemoryError}.
     *
     * @param classTypeOrNodeId a node id from the prompt (e.g. {@code "3"}) or a class type (e.g. {@code "KSampler"})
     * @param exceptionType the {@code exception_type} the client receives
     * @param exceptionMessage the {@code exception_message} the client receives
     */
    public void failNode(String classTypeOrNodeId, String exceptionType, String exceptionMessage) {
        engine.failures.put(Objects.requireNonNull(classTypeOrNodeId, "classTypeOrNodeId"),
                new Engine.Failure(Objects.requireNonNull(exceptionType, "exceptionType"),
                        Objects.requireNonNull(exceptionMessage, "exceptionMessage")));
    }

    /** Forgets every {@link #failNode} and {@link #failNextRequests} rule. */
    public void clearFailures() {
        engine.failures.clear();
        engine.requestFailures.clear();
    }

    /**
     * Makes the next {@code count} requests on {@code path} or below it, whatever their method, answer 500 with
     * aiohttp's plain-text error page, as ComfyUI does when a handler raises (reading a file for {@code /view}, say).
     * Paths are matched as in {@link #requestCount}: without the {@code /api} prefix and the query. Later requests are
     * served normally.
     *
     * @param path a path starting with {@code /}, such as {@code /view} or {@code /queue}
     * @param count how many requests fail, from now on; 0 stops failing
     * @throws IllegalArgumentException if {@code path} does not start with {@code /} or {@code count} is negative
     */
    public void failNextRequests(String path, int count) {
        Engine.checkPath(path);
        if (count < 0) {
            throw new IllegalArgumentException("count must be at least 0, was " + count);
        }
        engine.requestFailures.computeIfAbsent(path, k -> new AtomicInteger()).set(count);
    }

    /**
     * Holds every WebSocket frame the fake sends from now on, to every client, until {@link #releaseSocketFrames()};
     * HTTP is answered as usual. So a test can let an HTTP answer (a {@code /history} entry, say) overtake the events
     * that preceded it on the socket, which a slow network or a busy client does in reality (protocol §4).
     */
    public void holdSocketFrames() {
        engine.holdFrames();
    }

    /** Sends the frames held since {@link #holdSocketFrames()}, in order, to the sockets still open, and stops holding. */
    public void releaseSocketFrames() {
        engine.releaseFrames();
    }

    /**
     * Turns JPEG sampler previews (one per KSampler step, like {@code --preview-method auto}) on or off.
     *
     * @param enabled true to send previews, from the next sampler step on
     */
    public void setLivePreviews(boolean enabled) {
        engine.livePreviews = enabled;
    }

    /** Stops the runner from taking new prompts; queued prompts stay pending until {@link #resumeQueue()}. */
    public void pauseQueue() {
        engine.pause(true);
    }

    /** Lets the runner take prompts again. */
    public void resumeQueue() {
        engine.pause(false);
    }

    /**
     * Makes the running prompt (and later ones) stop before starting its next node until
     * {@link #releaseExecution()}. An interrupt also ends the hold, as a release does, for the running
     * prompt and later ones (and then interrupts the running prompt): {@link #interrupt()}, or a
     * client's {@code POST /interrupt} unless it names a prompt that is not the one running.
     */
    public void holdExecution() {
        engine.hold(true);
    }

    /** Ends {@link #holdExecution()}, and cuts short the execution time of the node running now. */
    public void releaseExecution() {
        engine.hold(false);
    }

    /**
     * Queues a prompt as another client would, to test sharing a server with other users.
     *
     * @param graph        an API-format graph the fake accepts
     * @param withClientId true: sent with a random other {@code client_id}, so this client only sees
     *                     {@code status}; false: sent without one, so its {@code progress},
     *                     {@code progress_state}, previews and {@code execution_interrupted} are
     *                     broadcast to every socket (protocol §5.1)
     * @return the new prompt's id
     * @throws IllegalArgumentException if the graph fails validation
     */
    public String submitForeignPrompt(ObjectNode graph, boolean withClientId) {
        Objects.requireNonNull(graph, "graph");
        ObjectNode body = Json.object();
        body.set("prompt", graph.deepCopy());
        if (withClientId) {
            body.put("client_id", "foreign-" + UUID.randomUUID());
        }
        String promptId = UUID.randomUUID().toString();
        body.put("prompt_id", promptId);
        Engine.Submission s = engine.submit(body, Json.write(body), true);
        if (s.status() != 200) {
            throw new IllegalArgumentException("the fake rejected the foreign prompt: "
                    + (s.body() != null ? Json.write(s.body()) : s.text()));
        }
        return s.body().get("prompt_id").asText();
    }

    /** Interrupts whatever is running, as another user's {@code POST /interrupt} without a body would. */
    public void interrupt() {
        engine.interrupt(Optional.empty());
    }

    /**
     * Aborts every open WebSocket now, as a network failure would: each client receives the frames
     * sent before this call and then sees the connection end without a close handshake. Events sent
     * while a client has no socket are lost (protocol §4). Clients may reconnect at once.
     */
    public void dropSockets() {
        engine.dropSockets();
    }

    /**
     * Aborts every currently open WebSocket after it has been sent {@code messages} more frames (text or binary).
     *
     * @param messages how many more frames each open socket receives before it is aborted; 0 aborts them at once
     */
    public void dropSocketsAfter(int messages) {
        if (messages < 0) {
            throw new IllegalArgumentException("messages must be >= 0, was " + messages);
        }
        engine.dropSocketsAfter(messages);
    }

    /**
     * Aborts every currently open WebSocket just before it would be sent the next message of this
     * type (that message is not delivered). Use a text {@code type} such as {@code "executing"}, or
     * {@code "binary"} for binary frames.
     *
     * @param eventType the message {@code type} that triggers the drop, or {@code "binary"}
     */
    public void dropSocketsBefore(String eventType) {
        engine.dropSocketsBefore(Objects.requireNonNull(eventType, "eventType"));
    }

    /**
     * Simulates a ComfyUI process restart: forgets the queue, the running prompt (which sends no
     * further events), history, the cache and temp files, resets {@code number}, and aborts every
     * socket. Output and input files stay, as they are on disk. The port stays open, so clients can
     * reconnect immediately.
     */
    public void restart() {
        engine.restart();
    }

    /**
     * Replaces the file names of a model folder ({@code checkpoints}, {@code diffusion_models},
     * {@code text_encoders}, {@code vae}) used by loader combos and {@code /models/{folder}}.
     *
     * @param folder the model folder name
     * @param names the file names the folder holds from now on, in the order {@code /models/{folder}} lists them
     */
    public void setModels(String folder, List<String> names) {
        engine.setModels(Objects.requireNonNull(folder, "folder"), List.copyOf(names));
    }

    /**
     * Puts a file into the input folder, as if uploaded, for LoadImage (e.g. {@code "cat.png"}).
     *
     * @param name the file name inside the input folder
     * @param content the file's bytes; replaces any file of that name
     */
    public void putInputFile(String name, byte[] content) {
        engine.upload("input", "", Objects.requireNonNull(name, "name"), Objects.requireNonNull(content, "content"), true);
    }

    // ------------------------------------------------------------------ inspection

    /**
     * Every {@code POST /prompt} with a JSON body received so far (at most the last 10000), oldest first.
     *
     * @return an immutable snapshot; later prompts do not appear in it
     */
    public List<ReceivedPrompt> receivedPrompts() {
        return engine.receivedPrompts();
    }

    /**
     * Waits for the next received {@code POST /prompt} not yet returned by this method.
     *
     * @param timeout how long to wait for it
     * @return the prompt, with its body and the id the fake assigned
     * @throws AssertionError if none arrives in time
     */
    public ReceivedPrompt awaitPrompt(Duration timeout) {
        try {
            ReceivedPrompt p = engine.receivedQueue.poll(checkDuration(timeout, "timeout").toNanos(), TimeUnit.NANOSECONDS);
            if (p == null) {
                throw new AssertionError("the fake ComfyUI received no prompt within " + timeout);
            }
            return p;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for a prompt", e);
        }
    }

    /**
     * Waits until nothing is running and nothing is pending.
     *
     * @param timeout how long to wait
     * @throws AssertionError if that does not happen in time (for example while the queue is paused)
     */
    public void awaitIdle(Duration timeout) {
        try {
            if (!engine.awaitIdle(checkDuration(timeout, "timeout").toNanos())) {
                throw new AssertionError("the fake ComfyUI was not idle within " + timeout + ": " + Json.write(engine.queueJson()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for idle", e);
        }
    }

    /**
     * Waits until the prompt has started executing (it may have finished since).
     *
     * @param promptId the id returned by {@code POST /prompt}
     * @param timeout how long to wait
     * @throws AssertionError if it does not start in time
     */
    public void awaitRunning(String promptId, Duration timeout) {
        try {
            if (!engine.awaitRunning(Objects.requireNonNull(promptId, "promptId"), checkDuration(timeout, "timeout").toNanos())) {
                throw new AssertionError("prompt " + promptId + " did not start within " + timeout);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for a prompt to run", e);
        }
    }

    /**
     * The number of open WebSocket connections (including replaced ones the client has not closed yet).
     *
     * @return the count at the moment of the call
     */
    public int openSockets() {
        return engine.openSockets();
    }

    /**
     * Waits until exactly {@code count} WebSockets are open, e.g. after a drop, for the client to reconnect.
     *
     * @param count the number of open sockets to wait for
     * @param timeout how long to wait
     * @throws AssertionError if that does not happen in time
     */
    public void awaitOpenSockets(int count, Duration timeout) {
        try {
            if (!engine.awaitOpenSockets(count, checkDuration(timeout, "timeout").toNanos())) {
                throw new AssertionError("expected " + count + " open sockets within " + timeout + ", have " + openSockets());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for sockets", e);
        }
    }

    /**
     * The total time the runner spent executing prompts, for benchmarks of the fake itself.
     *
     * @return the summed execution time since start, excluding time the queue sat idle
     */
    public Duration runnerBusyTime() {
        return Duration.ofNanos(engine.busyNanos());
    }

    /**
     * How many HTTP requests the fake has answered on {@code path} or below it, since start, whatever their method
     * and status. The {@code /api} alias counts as the path it stands for, and the query is ignored:
     * {@code requestCount("/history")} counts {@code GET /history}, {@code GET /api/history/ID} and
     * {@code POST /history}. Lets a test check which calls a client makes, such as that it does not poll.
     *
     * @param path a path starting with {@code /}, such as {@code /view} or {@code /history}
     * @return the number of requests answered so far
     * @throws IllegalArgumentException if {@code path} does not start with {@code /}
     */
    public long requestCount(String path) {
        return engine.requestCount(Engine.checkPath(path));
    }

    /**
     * How many prompts the runner has finished (successfully or not) since start.
     *
     * @return the count of prompts that left the running state, including failed and interrupted ones
     */
    public long completedPrompts() {
        return engine.completedPrompts();
    }

    private static Duration checkDuration(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative()) {
            throw new IllegalArgumentException(name + " must not be negative, was " + d);
        }
        return d;
    }

    /** Configures a {@link FakeComfyUi}; every setting has a default. */
    public static final class Builder {
        private Duration executionTime = Duration.ZERO;
        private boolean livePreviews;
        private boolean oldServer;
        private int port;
        private boolean cache = true;
        private boolean reconnectRaceBug;
        private boolean noisyImages;
        private int minImageBytes;
        private long maxUploadSize = 104_857_600L;
        private int previewSize = 512;
        private long imageCacheBytes = 256L * 1024 * 1024;
        private final Map<String, List<String>> models = new LinkedHashMap<>();

        private Builder() {
            models.put("checkpoints", List.of("flux1-dev-fp8.safetensors", "flux1-schnell-fp8.safetensors",
                    "sd_xl_base_1.0.safetensors", "v1-5-pruned-emaonly-fp16.safetensors",
                    "v1-5-pruned-emaonly.safetensors"));
            models.put("diffusion_models", List.of("flux1-dev.safetensors", "flux1-schnell.safetensors"));
            models.put("text_encoders", List.of("clip_l.safetensors", "t5xxl_fp16.safetensors",
                    "t5xxl_fp8_e4m3fn.safetensors"));
            models.put("vae", List.of("ae.safetensors", "vae-ft-mse-840000-ema-pruned.safetensors"));
        }

        /**
         * Default time each node takes to run. Defaults to zero: prompts run as fast as the fake can.
         *
         * @param perNode run time of each node; must not be negative
         * @return this builder
         */
        public Builder executionTime(Duration perNode) {
            this.executionTime = checkDuration(perNode, "perNode");
            return this;
        }

        /**
         * Sends a JPEG preview per KSampler step, like {@code --preview-method auto}. Defaults to false.
         *
         * @param enabled true to send previews
         * @return this builder
         */
        public Builder livePreviews(boolean enabled) {
            this.livePreviews = enabled;
            return this;
        }

        /**
         * Behaves like a server from before v0.3.45 (and before July 2024): {@code GET /features}
         * is 404, a {@code feature_flags} frame gets no reply (so no event 4), the client's
         * {@code prompt_id} is ignored, there is no {@code execution_success}, no
         * {@code progress_state}, no {@code timestamp} on execution events, no
         * {@code comfyui_version} in {@code /system_stats}, {@code /interrupt} is always global and a
         * missing prompt gets the old {@code {"error":"no prompt","node_errors":[]}}. Defaults to false.
         *
         * @param old true to imitate the old server
         * @return this builder
         */
        public Builder oldServer(boolean old) {
            this.oldServer = old;
            return this;
        }

        /**
         * The port to bind on 127.0.0.1. Defaults to 0 (a free port).
         *
         * @param port a port number, or 0 to let the OS choose
         * @return this builder
         */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be 0..65535, was " + port);
            }
            this.port = port;
            return this;
        }

        /**
         * Caches node outputs as ComfyUI's default cache does (an identical re-run replays results
         * without running nodes, protocol §8.2). False behaves like {@code --cache-none}. Defaults to true.
         *
         * @param enabled false to run every node of every prompt
         * @return this builder
         */
        public Builder cache(boolean enabled) {
            this.cache = enabled;
            return this;
        }

        /**
         * Reproduces ComfyUI's reconnect race (protocol §4): when a replaced socket finally closes,
         * it unregisters the client id even though a newer socket now holds it, so the new socket
         * silently receives nothing. A correct client closes the old socket before reconnecting and
         * never notices. Defaults to false.
         *
         * @param enabled true to reproduce the race
         * @return this builder
         */
        public Builder reconnectRaceBug(boolean enabled) {
            this.reconnectRaceBug = enabled;
            return this;
        }

        /**
         * Fills images with seeded noise stored uncompressed, so a {@code w × h} PNG is about
         * {@code 3wh} bytes, like a real photo (1182 × 1182 is about 4 MB). Defaults to false:
         * smooth, well-compressed gradients that encode fast.
         *
         * @param enabled true for large, incompressible images
         * @return this builder
         */
        public Builder noisyImages(boolean enabled) {
            this.noisyImages = enabled;
            return this;
        }

        /**
         * Pads every generated PNG with a comment chunk up to at least this many bytes. Defaults to 0.
         *
         * @param bytes the smallest PNG size; 0 adds no padding
         * @return this builder
         */
        public Builder minImageBytes(int bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("minImageBytes must be >= 0, was " + bytes);
            }
            this.minImageBytes = bytes;
            return this;
        }

        /**
         * The request body limit (ComfyUI's {@code --max-upload-size}); larger bodies get 413. Defaults to 100 MiB.
         *
         * @param bytes the largest accepted body, in bytes
         * @return this builder
         */
        public Builder maxUploadSize(long bytes) {
            if (bytes <= 0) {
                throw new IllegalArgumentException("maxUploadSize must be > 0, was " + bytes);
            }
            this.maxUploadSize = bytes;
            return this;
        }

        /**
         * The longer side of live previews ({@code --preview-size}). Defaults to 512.
         *
         * @param pixels the preview's longer side, in pixels
         * @return this builder
         */
        public Builder previewSize(int pixels) {
            if (pixels < 1) {
                throw new IllegalArgumentException("previewSize must be >= 1, was " + pixels);
            }
            this.previewSize = pixels;
            return this;
        }

        /**
         * The memory kept for saved images' PNG bytes. Like ComfyUI, the fake encodes a SaveImage output once,
         * while the node runs (before {@code executed}), and {@code GET /view} serves those bytes. When the
         * total exceeds this budget the oldest images are dropped and {@code /view} renders them again from
         * their recipe: the same bytes, only slower. Defaults to 256 MiB; 0 renders on every {@code /view}.
         *
         * @param bytes the largest total of kept PNG bytes; must not be negative
         * @return this builder
         */
        public Builder imageCacheBytes(long bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("imageCacheBytes must be >= 0, was " + bytes);
            }
            this.imageCacheBytes = bytes;
            return this;
        }

        /**
         * Sets the file names of a model folder: {@code checkpoints} (CheckpointLoaderSimple),
         * {@code diffusion_models} (UNETLoader), {@code text_encoders} (DualCLIPLoader), {@code vae}
         * (VAELoader). Defaults include the SD1.5, SDXL and Flux names of the shipped templates.
         *
         * @param folder the model folder name
         * @param names the file names the folder holds, replacing the defaults for that folder
         * @return this builder
         */
        public Builder models(String folder, List<String> names) {
            models.put(Objects.requireNonNull(folder, "folder"), List.copyOf(names));
            return this;
        }

        /**
         * Builds the fake; call {@link FakeComfyUi#start()} to serve.
         *
         * @return a fake that is not yet listening
         */
        public FakeComfyUi build() {
            return new FakeComfyUi(this);
        }
    }
}
