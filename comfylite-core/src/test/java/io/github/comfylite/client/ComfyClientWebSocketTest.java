package io.github.comfylite.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import okhttp3.Response;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;
import okio.ByteString;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ComfyClientWebSocketTest {
  private static final String CLIENT_ID = "5b3f1a9e-7c2d-4e8b-9a10-3c4d5e6f7a8b";
  private static final String FIRST_STATUS = "{\"type\":\"status\",\"data\":{\"status\":{\"exec_info\":"
      + "{\"queue_remaining\":0}},\"sid\":\"" + CLIENT_ID + "\"}}";

  @StartStop
  final MockWebServer server = new MockWebServer();

  /** Everything the server side saw, across connections, in order: "open#1", "text#1:…", "closing#1:1000", … */
  private final BlockingQueue<String> serverLog = new LinkedBlockingQueue<>();
  /** Everything the client's listener got, in order. */
  private final BlockingQueue<Object> clientLog = new LinkedBlockingQueue<>();
  private final RecordingScheduler scheduler = new RecordingScheduler();
  private final AtomicInteger connections = new AtomicInteger();
  private ComfyClient client;

  @AfterEach
  void tearDown() {
    if (client != null) {
      client.close();
    }
    scheduler.shutdownNow();
  }

  private ComfyClient newClient(Duration backoffInitial) {
    client = ComfyClient.builder().baseUrl(server.url("/").uri()).clientId(CLIENT_ID)
        .reconnectBackoff(backoffInitial, Duration.ofSeconds(1)).scheduler(scheduler).build();
    return client;
  }

  private final ComfyEventListener recorder = new ComfyEventListener() {
    @Override
    public void onConnected(boolean reconnected) {
      clientLog.add(reconnected ? "reconnected" : "connected");
    }

    @Override
    public void onEvent(ComfyEvent event) {
      clientLog.add(event);
    }

    @Override
    public void onDisconnected(Throwable cause) {
      clientLog.add("disconnected");
    }
  };

  /** A server-side socket that logs what it sees and runs {@code onOpen} when the client connects. */
  private MockResponse upgrade(java.util.function.Consumer<WebSocket> onOpen) {
    return upgrade(onOpen, (ws, text) -> { });
  }

  /** Like {@link #upgrade(java.util.function.Consumer)}, also running {@code onText} for each client text frame. */
  private MockResponse upgrade(java.util.function.Consumer<WebSocket> onOpen,
      java.util.function.BiConsumer<WebSocket, String> onText) {
    int n = connections.incrementAndGet();
    return new MockResponse.Builder().webSocketUpgrade(new WebSocketListener() {
      @Override
      public void onOpen(WebSocket webSocket, Response response) {
        serverLog.add("open#" + n);
        onOpen.accept(webSocket);
      }

      @Override
      public void onMessage(WebSocket webSocket, String text) {
        serverLog.add("text#" + n + ":" + text);
        onText.accept(webSocket, text);
      }

      @Override
      public void onClosing(WebSocket webSocket, int code, String reason) {
        serverLog.add("closing#" + n + ":" + code);
        webSocket.close(1000, null);
      }

      @Override
      public void onClosed(WebSocket webSocket, int code, String reason) {
        serverLog.add("closed#" + n);
      }

      @Override
      public void onFailure(WebSocket webSocket, Throwable t, Response response) {
        serverLog.add("closed#" + n); // for these tests, failed is as closed as closed
      }
    }).build();
  }

  private String nextServer() throws InterruptedException {
    String entry = serverLog.poll(5, TimeUnit.SECONDS);
    assertThat(entry).as("server-side event").isNotNull();
    return entry;
  }

  private Object nextClient() throws InterruptedException {
    Object entry = clientLog.poll(5, TimeUnit.SECONDS);
    assertThat(entry).as("client listener call").isNotNull();
    return entry;
  }

  @Test
  void connectsWithClientIdSendsFeatureFlagsFirstAndDeliversFixtureEventsInOrder() throws Exception {
    List<Fixtures.Frame> frames = new ArrayList<>();
    frames.addAll(Fixtures.serverFrames("ws-c-saveimagewebsocket-preview-metadata.json"));
    frames.addAll(Fixtures.serverFrames("ws-a-normal-run-saveimage.json"));
    frames.addAll(Fixtures.serverFrames("ws-d-runtime-exception.json"));
    server.enqueue(upgrade(ws -> frames.forEach(f -> {
      if (f.isText()) {
        ws.send(f.text());
      } else {
        ws.send(f.binary());
      }
    })));
    newClient(Duration.ofMillis(50)).connect(recorder);

    assertThat(nextClient()).isEqualTo("connected");
    for (Fixtures.Frame frame : frames) {
      ComfyEvent expected = frame.isText() ? ComfyEvents.parseText(frame.text())
          : ComfyEvents.parseBinary(frame.binary().asByteBuffer());
      Object actual = nextClient();
      assertThat(actual).hasSameClassAs(expected);
      if (expected instanceof ComfyEvent.PreviewImage p) {
        assertThat(((ComfyEvent.PreviewImage) actual).bytes()).isEqualTo(p.bytes());
        assertThat(((ComfyEvent.PreviewImage) actual).nodeId()).isEqualTo(p.nodeId());
      } else {
        assertThat(actual).isEqualTo(expected);
      }
    }
    assertThat(client.connectionState()).isEqualTo(ConnectionState.CONNECTED);

    RecordedRequest handshake = server.takeRequest(5, TimeUnit.SECONDS);
    assertThat(handshake.getUrl().encodedPath()).isEqualTo("/ws");
    assertThat(handshake.getUrl().queryParameter("clientId")).isEqualTo(CLIENT_ID);
    assertThat(handshake.getHeaders().get("Origin")).isNull();
    assertThat(nextServer()).isEqualTo("open#1");
    assertThat(nextServer()).isEqualTo("text#1:" + ComfyClient.FEATURE_FLAGS);
  }

  @Test
  void textAndUnknownBinaryFramesArriveOverTheSocket() throws Exception {
    byte[] unknown = ByteBuffer.allocate(6).putInt(9).putShort((short) 1).array();
    server.enqueue(upgrade(ws -> {
      ws.send(ByteString.of(Fixtures.event3("12", "https://example.invalid/result.png")));
      ws.send(ByteString.of(unknown));
      ws.send("{\"type\":\"display_component\",\"data\":{\"prompt_id\":\"p\"}}");
      ws.send("this is not json"); // logged and skipped; the socket carries on
      ws.send(FIRST_STATUS);
    }));
    newClient(Duration.ofMillis(50)).connect(recorder);

    assertThat(nextClient()).isEqualTo("connected");
    assertThat(nextClient()).isEqualTo(new ComfyEvent.Text("12", "https://example.invalid/result.png"));
    assertThat(nextClient()).isEqualTo(new ComfyEvent.UnknownBinary(9, 6));
    assertThat(nextClient()).isInstanceOfSatisfying(ComfyEvent.Unknown.class, u -> {
      assertThat(u.type()).isEqualTo("display_component");
      assertThat(u.forPrompt()).contains("p");
    });
    assertThat(nextClient()).isInstanceOf(ComfyEvent.Status.class);
  }

  @Test
  void listenerExceptionsAreLoggedAndLaterEventsStillArrive() throws Exception {
    server.enqueue(upgrade(ws -> {
      ws.send(FIRST_STATUS);
      ws.send(FIRST_STATUS);
    }));
    AtomicInteger calls = new AtomicInteger();
    newClient(Duration.ofMillis(50)).connect(event -> {
      if (calls.incrementAndGet() == 1) {
        throw new IllegalStateException("listener bug");
      }
      clientLog.add(event);
    });

    assertThat(nextClient()).isInstanceOf(ComfyEvent.Status.class);
    assertThat(calls).hasValue(2);
  }

  @Test
  void reconnectsAfterServerClosesTheSocketAndSendsFeatureFlagsAgain() throws Exception {
    server.enqueue(upgrade(ws -> {
      ws.send(FIRST_STATUS);
      ws.close(1001, "going away");
    }));
    server.enqueue(upgrade(ws -> ws.send(FIRST_STATUS)));
    newClient(Duration.ofMillis(100)).connect(recorder);

    assertThat(nextClient()).isEqualTo("connected");
    assertThat(nextClient()).isInstanceOf(ComfyEvent.Status.class);
    assertThat(nextClient()).isEqualTo("disconnected");
    assertThat(nextClient()).isEqualTo("reconnected");
    assertThat(nextClient()).isInstanceOf(ComfyEvent.Status.class);

    // The old socket was completely closed before the new one was opened (protocol §4 race).
    List<String> log = List.of(nextServer(), nextServer(), nextServer(), nextServer(), nextServer(), nextServer());
    assertThat(log).containsExactly("open#1", "text#1:" + ComfyClient.FEATURE_FLAGS, "closing#1:1000", "closed#1",
        "open#2", "text#2:" + ComfyClient.FEATURE_FLAGS);
    assertThat(server.takeRequest(5, TimeUnit.SECONDS).getUrl().queryParameter("clientId")).isEqualTo(CLIENT_ID);
    assertThat(server.takeRequest(5, TimeUnit.SECONDS).getUrl().queryParameter("clientId")).isEqualTo(CLIENT_ID);
    assertThat(scheduler.delays).hasSize(1);
    assertThat(scheduler.delays.get(0)).isBetween(Duration.ofMillis(50), Duration.ofMillis(100));
  }

  @Test
  void reconnectsAfterTheConnectionIsCutWithoutACloseFrame() throws Exception {
    // Cut the TCP connection once the client has surely opened (it sent its feature flags).
    server.enqueue(upgrade(ws -> { }, (ws, text) -> ws.cancel()));
    server.enqueue(upgrade(ws -> ws.send(FIRST_STATUS)));
    newClient(Duration.ofMillis(50)).connect(recorder);

    assertThat(nextClient()).isEqualTo("connected");
    assertThat(nextClient()).isEqualTo("disconnected");
    assertThat(nextClient()).isEqualTo("reconnected");
    assertThat(nextClient()).isInstanceOf(ComfyEvent.Status.class);
  }

  @Test
  void failedAttemptsBackOffExponentiallyAndTheFirstSuccessIsNotAReconnect() throws Exception {
    for (int i = 0; i < 3; i++) {
      server.enqueue(new MockResponse.Builder().code(503).build());
    }
    server.enqueue(upgrade(ws -> ws.send(FIRST_STATUS)));
    newClient(Duration.ofMillis(20)).connect(recorder);

    assertThat(nextClient()).isEqualTo("connected"); // never opened before: not "reconnected", no "disconnected"
    assertThat(nextClient()).isInstanceOf(ComfyEvent.Status.class);
    assertThat(scheduler.delays).hasSize(3);
    assertThat(scheduler.delays.get(0)).isBetween(Duration.ofMillis(10), Duration.ofMillis(20));
    assertThat(scheduler.delays.get(1)).isBetween(Duration.ofMillis(20), Duration.ofMillis(40));
    assertThat(scheduler.delays.get(2)).isBetween(Duration.ofMillis(40), Duration.ofMillis(80));
    assertThat(server.getRequestCount()).isEqualTo(4);
  }

  @Test
  void closeSendsCode1000IsIdempotentAndStopsReconnecting() throws Exception {
    server.enqueue(upgrade(ws -> ws.send(FIRST_STATUS)));
    newClient(Duration.ofMillis(10)).connect(recorder);
    assertThat(nextClient()).isEqualTo("connected");
    assertThat(nextClient()).isInstanceOf(ComfyEvent.Status.class);

    client.close();
    client.close();

    assertThat(client.connectionState()).isEqualTo(ConnectionState.CLOSED);
    assertThat(nextServer()).isEqualTo("open#1");
    assertThat(nextServer()).startsWith("text#1:");
    assertThat(nextServer()).isEqualTo("closing#1:1000");
    assertThat(nextServer()).isEqualTo("closed#1");
    assertThat(scheduler.delays).isEmpty(); // our own close is not a reason to reconnect
    assertThat(clientLog).isEmpty(); // and the listener hears nothing after close()
    assertThatThrownBy(() -> client.connect(recorder)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void closeWhileWaitingToReconnectCancelsTheTimer() throws Exception {
    server.enqueue(new MockResponse.Builder().code(503).build());
    newClient(Duration.ofSeconds(1)).connect(recorder);
    ScheduledFuture<?> timer = scheduler.scheduled.poll(5, TimeUnit.SECONDS);
    assertThat((Object) timer).isNotNull();

    client.close();

    assertThat(timer.isCancelled()).isTrue();
    assertThat(client.connectionState()).isEqualTo(ConnectionState.CLOSED);
    assertThat(server.getRequestCount()).isEqualTo(1);
  }

  @Test
  void connectTwiceIsRefused() {
    server.enqueue(upgrade(ws -> { }));
    newClient(Duration.ofMillis(50)).connect(recorder);

    assertThatThrownBy(() -> client.connect(recorder)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("already");
  }

  @Test
  void deadSocketIsDetectedByUnansweredPingsAndReplaced() throws Exception {
    try (SilentWebSocketServer silent = new SilentWebSocketServer()) {
      client = ComfyClient.builder().baseUrl(silent.url()).clientId(CLIENT_ID)
          .pingInterval(Duration.ofMillis(100)).reconnectBackoff(Duration.ofMillis(10), Duration.ofMillis(20))
          .scheduler(scheduler).build();
      client.connect(recorder);

      assertThat(nextClient()).isEqualTo("connected");
      // No pong ever comes back: OkHttp fails the socket at the next ping, and the client dials again.
      assertThat(nextClient()).isEqualTo("disconnected");
      assertThat(nextClient()).isEqualTo("reconnected");
      assertThat(silent.accepted.get()).isGreaterThanOrEqualTo(2);
    }
  }

  /** Records the delays of reconnect timers; runs them for real. */
  private static final class RecordingScheduler extends ScheduledThreadPoolExecutor {
    final List<Duration> delays = new CopyOnWriteArrayList<>();
    final BlockingQueue<ScheduledFuture<?>> scheduled = new LinkedBlockingQueue<>();

    RecordingScheduler() {
      super(1, r -> {
        Thread t = new Thread(r, "comfylite-test-scheduler");
        t.setDaemon(true);
        return t;
      });
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
      delays.add(Duration.ofNanos(unit.toNanos(delay)));
      ScheduledFuture<?> future = super.schedule(command, delay, unit);
      scheduled.add(future);
      return future;
    }
  }

  /**
   * Accepts WebSocket upgrades and then never reads or writes again: a peer that vanished without closing, which only
   * pings can detect. (MockWebServer always answers pings, so it cannot play this part.)
   */
  private static final class SilentWebSocketServer implements AutoCloseable {
    private static final Pattern KEY = Pattern.compile("(?im)^Sec-WebSocket-Key:\\s*(\\S+)\\s*$");
    final AtomicInteger accepted = new AtomicInteger();
    private final ServerSocket serverSocket;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    SilentWebSocketServer() throws IOException {
      serverSocket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      acceptor = new Thread(this::acceptLoop, "comfylite-test-silent-ws");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    java.net.URI url() {
      return java.net.URI.create("http://127.0.0.1:" + serverSocket.getLocalPort() + "/");
    }

    private void acceptLoop() {
      try {
        while (true) {
          Socket socket = serverSocket.accept();
          sockets.add(socket);
          String request = readHeaders(socket.getInputStream());
          Matcher key = KEY.matcher(request);
          if (!key.find()) {
            socket.close();
            continue;
          }
          byte[] sha1 = MessageDigest.getInstance("SHA-1").digest(
              (key.group(1) + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.US_ASCII));
          accepted.incrementAndGet(); // before the 101, so the client cannot see the upgrade first
          OutputStream out = socket.getOutputStream();
          out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              + "Sec-WebSocket-Accept: " + Base64.getEncoder().encodeToString(sha1) + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
          out.flush();
        }
      } catch (Exception e) {
        // closed: stop accepting
      }
    }

    private static String readHeaders(InputStream in) throws IOException {
      StringBuilder sb = new StringBuilder();
      while (sb.length() < 4 || !sb.substring(sb.length() - 4).equals("\r\n\r\n")) {
        int b = in.read();
        if (b < 0) {
          break;
        }
        sb.append((char) b);
      }
      return sb.toString();
    }

    @Override
    public void close() throws IOException {
      serverSocket.close();
      for (Socket socket : sockets) {
        socket.close();
      }
    }
  }
}
