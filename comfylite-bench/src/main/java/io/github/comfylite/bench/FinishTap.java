package io.github.comfylite.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A loopback TCP proxy for ComfyUI's {@code /ws} that notes the moment each prompt's {@code execution_success} and its
 * {@code executing} with {@code node: null} (ComfyUI's "finished" signal, protocol §1) pass through, so the benchmark
 * can measure from the fake's finish (on the wire) to the webhook's arrival. Only the WebSocket goes through it (an
 * OkHttp interceptor routes {@code /ws} here); HTTP calls go straight to the fake.
 */
final class FinishTap implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ServerSocket server;
  private final int targetPort;
  /** prompt id → {@link System#nanoTime()} when its execution_success frame was read. */
  final Map<String, Long> succeededAt = new ConcurrentHashMap<>();
  /** prompt id → {@link System#nanoTime()} when its {@code executing} frame with {@code node: null} was read. */
  final Map<String, Long> finishedAt = new ConcurrentHashMap<>();
  private volatile Runnable onFinish = () -> {};

  FinishTap(int targetPort) throws IOException {
    this.targetPort = targetPort;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::acceptLoop, "comfylite-bench-tap");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  int port() {
    return server.getLocalPort();
  }

  void onFinish(Runnable action) {
    this.onFinish = action;
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        client.setTcpNoDelay(true);
        Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
        upstream.setTcpNoDelay(true);
        start("comfylite-bench-tap-up", () -> pump(client.getInputStream(), upstream.getOutputStream()));
        start("comfylite-bench-tap-down", () -> frames(upstream.getInputStream(), client.getOutputStream()));
      } catch (IOException e) {
        return;
      }
    }
  }

  private static void start(String name, IoTask task) {
    Thread t = new Thread(() -> {
      try {
        task.run();
      } catch (IOException ignored) {
        // the connection ended
      }
    }, name);
    t.setDaemon(true);
    t.start();
  }

  private interface IoTask {
    void run() throws IOException;
  }

  private static void pump(InputStream in, OutputStream out) throws IOException {
    byte[] buffer = new byte[64 * 1024];
    int n;
    while ((n = in.read(buffer)) >= 0) {
      out.write(buffer, 0, n);
      out.flush();
    }
    out.close();
  }

  /** Forwards the 101 response head, then frame by frame, reading text frames for execution_success. */
  private void frames(InputStream raw, OutputStream out) throws IOException {
    DataInputStream in = new DataInputStream(raw);
    int matched = 0;
    byte[] end = {'\r', '\n', '\r', '\n'};
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        return;
      }
      out.write(b);
      matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    out.flush();
    while (true) {
      int b0 = in.read();
      if (b0 < 0) {
        out.close();
        return;
      }
      int b1 = in.readUnsignedByte();
      long length = b1 & 0x7f;
      byte[] extended = new byte[0];
      if (length == 126) {
        extended = new byte[2];
        in.readFully(extended);
        length = ((extended[0] & 0xff) << 8) | (extended[1] & 0xff);
      } else if (length == 127) {
        extended = new byte[8];
        in.readFully(extended);
        length = 0;
        for (byte e : extended) {
          length = (length << 8) | (e & 0xff);
        }
      }
      byte[] payload = new byte[(int) length];
      in.readFully(payload);
      if ((b0 & 0x0f) == 1 && contains(payload, "execution_success")) {
        long now = System.nanoTime();
        JsonNode message = JSON.readTree(payload);
        succeededAt.put(message.path("data").path("prompt_id").asText(), now);
        onFinish.run();
      } else if ((b0 & 0x0f) == 1 && contains(payload, "\"executing\"")) {
        long now = System.nanoTime();
        JsonNode data = JSON.readTree(payload).path("data");
        if (data.path("node").isNull() && data.path("prompt_id").isTextual()) {
          finishedAt.put(data.path("prompt_id").asText(), now);
        }
      }
      out.write(b0);
      out.write(b1);
      out.write(extended);
      out.write(payload);
      out.flush();
    }
  }

  private static boolean contains(byte[] payload, String text) {
    return new String(payload, 0, Math.min(payload.length, 64), StandardCharsets.UTF_8).contains(text);
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
