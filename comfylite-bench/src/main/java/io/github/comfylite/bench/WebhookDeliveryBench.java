package io.github.comfylite.bench;

import io.github.comfylite.result.DeliveryReport;
import io.github.comfylite.result.GeneratedImage;
import io.github.comfylite.result.GenerationResult;
import io.github.comfylite.result.Outcome;
import io.github.comfylite.result.WebhookSender;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Delivers one outcome with a batch of large images through {@link WebhookSender} to a loopback receiver that
 * discards the body, and reports time per delivery. Run with {@code -prof gc}: {@code gc.alloc.rate.norm} is the
 * bytes allocated per delivery across all threads, which shows whether the images are copied (a copy of an 8 x 4 MB
 * batch would be 32 MB, its base64 text 43 MB).
 *
 * <pre>{@code
 * ./mvnw -q -B -o -pl comfylite-bench -am package -DskipTests
 * java -jar comfylite-bench/target/comfylite-bench.jar WebhookDeliveryBench -prof gc
 * }</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgs = {"-Xmx512m"})
public class WebhookDeliveryBench {

  /** Images per outcome. */
  @Param("8")
  public int images;

  /** Bytes per image. */
  @Param("4194304")
  public int imageBytes;

  /** Whether deliveries are signed (one more streamed pass over the body for the HMAC). */
  @Param({"false", "true"})
  public boolean signed;

  private DiscardReceiver receiver;
  private WebhookSender sender;
  private Outcome outcome;
  private URI url;

  /** Starts the receiver and the sender and makes the images. */
  @Setup(Level.Trial)
  public void setUp() throws IOException {
    receiver = new DiscardReceiver();
    url = URI.create("http://127.0.0.1:" + receiver.port() + "/hook");
    WebhookSender.Builder builder = WebhookSender.builder();
    if (signed) {
      builder.secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    }
    sender = builder.build();
    Random random = new Random(1);
    List<GeneratedImage> list = new ArrayList<>();
    for (int i = 0; i < images; i++) {
      byte[] data = new byte[imageBytes];
      random.nextBytes(data);
      list.add(GeneratedImage.of(data, "9", null));
    }
    outcome = new Outcome.Succeeded(new GenerationResult("bench", "starter", list, Map.of(), Duration.ZERO,
        Duration.ZERO));
  }

  /** Stops the sender and the receiver. */
  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    sender.close();
    receiver.close();
  }

  /** One delivery, from {@code send} to the receiver's 200. */
  @Benchmark
  public DeliveryReport deliver() {
    DeliveryReport report = sender.send(url, outcome).join();
    if (!report.delivered()) {
      throw new IllegalStateException("delivery failed: " + report);
    }
    return report;
  }

  /** A minimal HTTP/1.1 receiver: reads each request body into a fixed buffer, answers 200, keeps the connection. */
  static final class DiscardReceiver implements AutoCloseable {
    private final ServerSocket server;

    DiscardReceiver() throws IOException {
      server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      Thread acceptor = new Thread(this::acceptLoop, "comfylite-bench-receiver");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    int port() {
      return server.getLocalPort();
    }

    private void acceptLoop() {
      while (!server.isClosed()) {
        try {
          Socket socket = server.accept();
          Thread connection = new Thread(() -> serve(socket), "comfylite-bench-connection");
          connection.setDaemon(true);
          connection.start();
        } catch (IOException e) {
          return; // closed
        }
      }
    }

    private static void serve(Socket socket) {
      byte[] buffer = new byte[64 * 1024];
      try (socket) {
        InputStream in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
        OutputStream out = socket.getOutputStream();
        while (true) {
          long length = -1;
          String line;
          while ((line = readLine(in)) != null && !line.isEmpty()) {
            String lower = line.toLowerCase(Locale.ROOT);
            if (lower.startsWith("content-length:")) {
              length = Long.parseLong(line.substring("content-length:".length()).trim());
            }
          }
          if (line == null) {
            return;
          }
          for (long left = length; left > 0; ) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
            if (n < 0) {
              return;
            }
            left -= n;
          }
          out.write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
          out.flush();
        }
      } catch (IOException e) {
        // The client went away; nothing to do.
      }
    }

    private static String readLine(InputStream in) throws IOException {
      ByteArrayOutputStream line = new ByteArrayOutputStream(128);
      int b;
      while ((b = in.read()) >= 0) {
        if (b == '\n') {
          byte[] bytes = line.toByteArray();
          int end = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
          return new String(bytes, 0, end, StandardCharsets.US_ASCII);
        }
        line.write(b);
      }
      return null;
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }
}
