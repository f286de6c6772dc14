package io.github.comfylite.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import okio.Buffer;
import okio.ByteString;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The buffered sockets of {@link NoDelaySocketFactory} under OkHttp: large bodies both ways, many requests on one
 * connection, a WebSocket in both directions, and TLS layered on top. A missing flush would hang these calls (until
 * the timeout); a lost or reordered buffer would corrupt the bytes compared here.
 */
class BufferedSocketTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final MediaType OCTETS = MediaType.get("application/octet-stream");

  private final MockWebServer server = new MockWebServer();

  @AfterEach
  void stop() {
    server.close();
  }

  private static OkHttpClient.Builder client() {
    return new OkHttpClient.Builder().socketFactory(new NoDelaySocketFactory()).callTimeout(TIMEOUT);
  }

  private static byte[] random(int size, long seed) {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  @Test
  void largeBodiesBothWaysAndManyRequestsOnOneConnectionArriveIntact() throws Exception {
    byte[] upload = random(5 * 1024 * 1024 + 17, 1);
    byte[] download = random(3 * 1024 * 1024 + 5, 2);
    server.enqueue(new MockResponse.Builder().body(new Buffer().write(download)).build());
    for (int i = 0; i < 20; i++) {
      server.enqueue(new MockResponse.Builder().body("reply " + i).build());
    }
    server.start(InetAddress.getLoopbackAddress(), 0);
    OkHttpClient http = client().build();

    try (Response response = http.newCall(new Request.Builder().url(server.url("/big"))
        .post(RequestBody.create(upload, OCTETS)).build()).execute()) {
      assertThat(response.body().bytes()).isEqualTo(download);
    }
    RecordedRequest big = server.takeRequest();
    assertThat(big.getBody().toByteArray()).isEqualTo(upload);
    for (int i = 0; i < 20; i++) {
      try (Response response = http.newCall(new Request.Builder().url(server.url("/small/" + i)).build())
          .execute()) {
        assertThat(response.body().string()).isEqualTo("reply " + i);
      }
      assertThat(server.takeRequest().getConnectionIndex()).isZero(); // the same, reused connection
    }
  }

  @Test
  void webSocketMessagesFlowBothWaysWithoutWaitingForMore() throws Exception {
    BlockingQueue<Object> atServer = new ArrayBlockingQueue<>(16);
    server.enqueue(new MockResponse.Builder().webSocketUpgrade(new WebSocketListener() {
      @Override
      public void onMessage(WebSocket webSocket, String text) {
        atServer.add(text);
        webSocket.send("echo " + text);
      }

      @Override
      public void onMessage(WebSocket webSocket, ByteString bytes) {
        atServer.add(bytes);
        webSocket.send(bytes);
      }

      @Override
      public void onClosing(WebSocket webSocket, int code, String reason) {
        webSocket.close(1000, null);
      }
    }).build());
    server.start(InetAddress.getLoopbackAddress(), 0);
    BlockingQueue<Object> atClient = new ArrayBlockingQueue<>(16);
    WebSocket socket = client().build().newWebSocket(new Request.Builder().url(server.url("/ws")).build(),
        new WebSocketListener() {
          @Override
          public void onMessage(WebSocket webSocket, String text) {
            atClient.add(text);
          }

          @Override
          public void onMessage(WebSocket webSocket, ByteString bytes) {
            atClient.add(bytes);
          }

          @Override
          public void onClosed(WebSocket webSocket, int code, String reason) {
            atClient.add("closed " + code);
          }
        });
    ByteString large = ByteString.of(random(2 * 1024 * 1024, 3));
    try {
      // One small message at a time: each must arrive on its own, not when a buffer fills up.
      for (int i = 0; i < 3; i++) {
        socket.send("hello " + i);
        assertThat(atClient.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo("echo hello " + i);
      }
      socket.send(large);
      assertThat(atClient.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(large);
      // The close handshake is two more small frames, each flushed on its own.
      socket.close(1000, null);
      assertThat(atClient.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo("closed 1000");
    } finally {
      socket.cancel();
    }
  }

  @Test
  void tlsLayeredOnTheBufferedSocketWorks() throws Exception {
    HeldCertificate certificate = new HeldCertificate.Builder()
        .addSubjectAlternativeName(InetAddress.getLoopbackAddress().getHostName())
        .addSubjectAlternativeName(InetAddress.getLoopbackAddress().getHostAddress())
        .build();
    HandshakeCertificates serverCertificates = new HandshakeCertificates.Builder()
        .heldCertificate(certificate).build();
    HandshakeCertificates clientCertificates = new HandshakeCertificates.Builder()
        .addTrustedCertificate(certificate.certificate()).build();
    server.useHttps(serverCertificates.sslSocketFactory());
    byte[] download = random(1024 * 1024 + 3, 4);
    server.enqueue(new MockResponse.Builder().body(new Buffer().write(download)).build());
    server.enqueue(new MockResponse.Builder().body("second").build());
    server.start(InetAddress.getLoopbackAddress(), 0);
    // Remember the plain sockets the factory makes, to check below that TLS was layered on our buffered streams.
    List<java.net.Socket> plain = new java.util.concurrent.CopyOnWriteArrayList<>();
    NoDelaySocketFactory factory = new NoDelaySocketFactory();
    OkHttpClient http = client()
        .socketFactory(new javax.net.SocketFactory() {
          @Override
          public java.net.Socket createSocket() throws IOException {
            java.net.Socket socket = factory.createSocket();
            plain.add(socket);
            return socket;
          }

          @Override
          public java.net.Socket createSocket(String host, int port) {
            throw new UnsupportedOperationException();
          }

          @Override
          public java.net.Socket createSocket(String host, int port, InetAddress local, int localPort) {
            throw new UnsupportedOperationException();
          }

          @Override
          public java.net.Socket createSocket(InetAddress host, int port) {
            throw new UnsupportedOperationException();
          }

          @Override
          public java.net.Socket createSocket(InetAddress host, int port, InetAddress local, int localPort) {
            throw new UnsupportedOperationException();
          }
        })
        .sslSocketFactory(clientCertificates.sslSocketFactory(), clientCertificates.trustManager())
        .build();
    byte[] upload = random(1024 * 1024 + 11, 5);

    try (Response response = http.newCall(new Request.Builder().url(server.url("/tls"))
        .post(RequestBody.create(upload, OCTETS)).build()).execute()) {
      assertThat(response.handshake()).isNotNull();
      assertThat(response.body().bytes()).isEqualTo(download);
    }
    try (Response response = http.newCall(new Request.Builder().url(server.url("/again")).build()).execute()) {
      assertThat(response.body().string()).isEqualTo("second");
    }
    assertThat(server.takeRequest().getBody().toByteArray()).isEqualTo(upload);
    // One connection, and the TLS layer on it read and wrote through the buffered streams (the JDK's TLS socket uses
    // the plain socket's getInputStream/getOutputStream, which are ours).
    assertThat(plain).hasSize(1).first().isInstanceOf(BufferedSocket.class);
    assertThat(plain.get(0).getInputStream()).isInstanceOf(BufferedSocket.Input.class);
  }

  /** An input stream that hands out at most {@code chunk} bytes per read and counts the reads. */
  private static final class Chunked extends InputStream {
    private final InputStream data;
    private final int chunk;
    int reads;

    Chunked(byte[] data, int chunk) {
      this.data = new ByteArrayInputStream(data);
      this.chunk = chunk;
    }

    @Override
    public int read() throws IOException {
      reads++;
      return data.read();
    }

    @Override
    public int available() throws IOException {
      return data.available();
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      reads++;
      return data.read(b, off, Math.min(len, chunk));
    }
  }

  @Test
  void inputReturnsWhatOneReadBroughtAndNeverAsksForMoreToFillTheCallersArray() throws IOException {
    byte[] data = random(100, 6);
    Chunked raw = new Chunked(data, 30);
    BufferedSocket.Input in = new BufferedSocket.Input(raw);
    byte[] into = new byte[8192];

    assertThat(in.read(into, 0, 10)).isEqualTo(10);
    assertThat(raw.reads).isEqualTo(1); // one system call brought 30 bytes
    // The other 20 at once, without a second read that could block until the peer sends more.
    assertThat(in.read(into, 10, into.length - 10)).isEqualTo(20);
    assertThat(raw.reads).isEqualTo(1);
    int single = in.read();
    assertThat(single).isEqualTo(data[30] & 0xff);
    into[30] = (byte) single;
    assertThat(raw.reads).isEqualTo(2);
    assertThat(in.available()).isEqualTo(29 + 40);
    assertThat(in.skip(5)).isEqualTo(5);
    assertThat(in.read(into, 31, into.length - 31)).isEqualTo(24);

    assertThat(Arrays.copyOfRange(into, 0, 31)).isEqualTo(Arrays.copyOfRange(data, 0, 31));
    assertThat(Arrays.copyOfRange(into, 31, 55)).isEqualTo(Arrays.copyOfRange(data, 36, 60));
  }

  @Test
  void inputReadsLargeRequestsStraightIntoTheCallersArrayAndEndsWithMinusOne() throws IOException {
    byte[] data = random(200 * 1024, 7);
    Chunked raw = new Chunked(data, Integer.MAX_VALUE);
    BufferedSocket.Input in = new BufferedSocket.Input(raw);

    byte[] into = new byte[data.length];
    assertThat(in.read(into, 0, into.length)).isEqualTo(data.length);
    assertThat(into).isEqualTo(data);
    assertThat(in.read(into, 0, 10)).isEqualTo(-1);
    assertThat(in.read()).isEqualTo(-1);
    assertThat(in.read(into, 0, 0)).isZero();
  }
}
