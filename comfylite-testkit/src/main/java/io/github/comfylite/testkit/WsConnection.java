package io.github.comfylite.testkit;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import okio.BufferedSink;
import okio.BufferedSource;
import okio.Okio;
import okio.Socket;

/**
 * One server-side WebSocket (RFC 6455) on a socket handed over by MockWebServer after the 101
 * reply; registered (and sent frames) before that reply goes out, see {@link #attach}. Written by hand rather than with OkHttp's server-side {@code RealWebSocket} because the
 * fake must be able to abort a connection the way a crashed server or network does
 * ({@code RealWebSocket.cancel()} needs a client {@code Call}), and must not close a socket whose
 * outgoing queue exceeds 16 MiB (large SaveImageWebsocket batches do).
 *
 * <p>Threads: the MockWebServer connection thread runs {@link #readLoop}; a daemon
 * {@code comfylite-fake-ws-N} thread writes frames in the order they were queued (protocol §4: one
 * FIFO per socket).
 */
final class WsConnection {
    private static final System.Logger LOG = System.getLogger(WsConnection.class.getName());
    private static final AtomicInteger IDS = new AtomicInteger();
    private static final int MAX_CLIENT_MESSAGE = 16 * 1024 * 1024;
    private static final Object ABORT = new Object();

    /** A frame ready to write; text frames are shared between sockets for broadcasts. */
    record Frame(int opcode, byte[] payload) {
        static Frame text(String s) {
            return new Frame(0x1, s.getBytes(StandardCharsets.UTF_8));
        }

        static Frame binary(byte[] b) {
            return new Frame(0x2, b);
        }
    }

    private record Close(byte[] payload) {}

    interface Handler {
        void onText(WsConnection connection, String text);

        void onClosed(WsConnection connection);
    }

    final int id = IDS.incrementAndGet();
    final String sid;
    // Set by attach() on the connection thread before it starts the writer and runs readLoop.
    private Socket socket;
    private BufferedSource source;
    private BufferedSink sink;
    private final LinkedBlockingQueue<Object> outbox = new LinkedBlockingQueue<>();
    private final AtomicBoolean finished = new AtomicBoolean();
    private final Thread writer = new Thread(this::writeLoop, "comfylite-fake-ws-" + id);
    /** Whether MockWebServer handed over the socket (the 101 reply was written); guarded by the engine lock. */
    boolean attached;

    /** Set by the reader thread on the feature-flag handshake; read by the runner. */
    volatile boolean supportsPreviewMetadata;
    /** Only the first text frame from the client is looked at (protocol §4). */
    boolean sawFirstText;

    // Drop triggers; guarded by the engine lock.
    int dropAfterFrames = -1;
    String dropBeforeType;
    boolean removed;
    /** Aborted by the fake itself; its registry cleanup already ran then. */
    boolean dropped;

    /**
     * A connection registered before its 101 reply is written; frames queued until {@link #attach}
     * wait in the outbox.
     */
    WsConnection(String sid) {
        this.sid = sid;
        writer.setDaemon(true);
    }

    /** Takes the upgraded socket and starts writing the queued frames; call once, then {@link #readLoop}. */
    void attach(Socket upgraded) {
        this.socket = upgraded;
        this.source = Okio.buffer(upgraded.getSource());
        this.sink = Okio.buffer(upgraded.getSink());
        writer.start();
    }

    /** Queues a frame; never blocks. Frames queued after {@link #abort()} are discarded. */
    void enqueue(Frame frame) {
        if (!finished.get()) {
            outbox.add(frame);
        }
    }

    /**
     * Writes every frame queued so far, then closes the TCP connection without a WebSocket close
     * handshake, as when a server process dies. The client sees the frames, then EOF.
     */
    void abort() {
        outbox.add(ABORT);
    }

    boolean isOpen() {
        return !finished.get();
    }

    /** Reads client frames until the connection ends; runs on the MockWebServer connection thread. */
    void readLoop(Handler handler) {
        java.io.ByteArrayOutputStream fragments = null;
        int fragmentOpcode = 0;
        try {
            while (true) {
                int b0 = source.readByte() & 0xFF;
                int b1 = source.readByte() & 0xFF;
                boolean fin = (b0 & 0x80) != 0;
                int opcode = b0 & 0x0F;
                long len = b1 & 0x7F;
                if (len == 126) {
                    len = source.readShort() & 0xFFFF;
                } else if (len == 127) {
                    len = source.readLong();
                }
                if (len < 0 || len > MAX_CLIENT_MESSAGE) {
                    throw new IOException("client frame too large: " + len);
                }
                byte[] mask = (b1 & 0x80) != 0 ? source.readByteArray(4) : null;
                byte[] payload = source.readByteArray(len);
                if (mask != null) {
                    for (int i = 0; i < payload.length; i++) {
                        payload[i] ^= mask[i & 3];
                    }
                }
                switch (opcode) {
                    case 0x8:
                        // Answer the close handshake with the same code, then close (aiohttp does the same).
                        byte[] reply = payload.length >= 2 ? new byte[] {payload[0], payload[1]} : new byte[0];
                        outbox.add(new Close(reply));
                        return;
                    case 0x9:
                        enqueue(new Frame(0xA, payload));
                        break;
                    case 0xA:
                        break;
                    case 0x1:
                    case 0x2:
                        if (fin) {
                            deliver(handler, opcode, payload);
                        } else {
                            fragments = new java.io.ByteArrayOutputStream();
                            fragments.writeBytes(payload);
                            fragmentOpcode = opcode;
                        }
                        break;
                    case 0x0:
                        if (fragments == null) {
                            throw new IOException("continuation frame without a start");
                        }
                        fragments.writeBytes(payload);
                        if (fragments.size() > MAX_CLIENT_MESSAGE) {
                            throw new IOException("client message too large");
                        }
                        if (fin) {
                            deliver(handler, fragmentOpcode, fragments.toByteArray());
                            fragments = null;
                        }
                        break;
                    default:
                        throw new IOException("unknown opcode " + opcode);
                }
            }
        } catch (IOException e) {
            LOG.log(Level.DEBUG, () -> "socket " + id + " (" + sid + ") read ended: " + e);
        } finally {
            outbox.add(ABORT);
            handler.onClosed(this);
            // MockWebServer closes the socket as soon as this handler returns: let the writer finish
            // first, so a close reply (or the frames before an abort) reaches the client.
            try {
                writer.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void deliver(Handler handler, int opcode, byte[] payload) {
        if (opcode == 0x1) {
            handler.onText(this, new String(payload, StandardCharsets.UTF_8));
        }
        // Binary frames from clients are ignored, as ComfyUI does.
    }

    private void writeLoop() {
        try {
            while (true) {
                Object item = outbox.take();
                if (item == ABORT) {
                    sink.flush();
                    return;
                }
                if (item instanceof Close c) {
                    writeFrame(0x8, c.payload());
                    sink.flush();
                    return;
                }
                Frame f = (Frame) item;
                writeFrame(f.opcode(), f.payload());
                if (outbox.isEmpty()) {
                    sink.flush();
                }
            }
        } catch (IOException e) {
            LOG.log(Level.DEBUG, () -> "socket " + id + " write failed: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            finished.set(true);
            outbox.clear();
            socket.cancel();
        }
    }

    private void writeFrame(int opcode, byte[] payload) throws IOException {
        sink.writeByte(0x80 | opcode);
        if (payload.length < 126) {
            sink.writeByte(payload.length);
        } else if (payload.length <= 0xFFFF) {
            sink.writeByte(126);
            sink.writeShort(payload.length);
        } else {
            sink.writeByte(127);
            sink.writeLong(payload.length);
        }
        sink.write(payload);
    }
}
