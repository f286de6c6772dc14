package io.github.comfylite.bench;

import com.sun.net.httpserver.HttpServer;
import io.github.comfylite.ComfyLite;
import io.github.comfylite.GenerationRequest;
import io.github.comfylite.PromptHandle;
import io.github.comfylite.internal.NamedThreadFactory;
import io.github.comfylite.internal.NoDelaySocketFactory;
import io.github.comfylite.result.WebhookSender;
import io.github.comfylite.testkit.FakeComfyUi;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;

/**
 * End-to-end figures for the core against an in-process {@link FakeComfyUi} with zero execution time: the overhead
 * from the fake's finish ({@code executing} with {@code node: null} on the wire, ComfyUI's "finished" signal; also
 * shown from the {@code execution_success} just before it) to the webhook's arrival, throughput with many
 * prompts in flight, heap per in-flight prompt, and peak heap while delivering an 8 × 4 MB batch.
 *
 * <pre>
 * ./mvnw -q -B -o -pl comfylite-bench -am package -DskipTests
 * java -cp comfylite-bench/target/comfylite-bench.jar io.github.comfylite.bench.CoreBenchmark [latency] [throughput] [heap] [peak]
 * </pre>
 *
 * Run from the repository root (it reads {@code templates/} and {@code configs/}). With {@code -Dbench.threads} the
 * throughput part also prints the CPU time of every thread (digits in names folded) per prompt.
 */
public final class CoreBenchmark {
  private static final Pattern PROMPT_ID = Pattern.compile("\"prompt_id\"\\s*:\\s*\"([^\"]+)\"");

  private CoreBenchmark() {}

  /**
   * Runs every measurement and prints the figures.
   *
   * @param args the parts to run ({@code latency}, {@code throughput}, {@code heap}, {@code peak}); none runs all
   * @throws Exception if a measurement fails
   */
  public static void main(String[] args) throws Exception {
    // The JDK HttpServer (heap stub, webhook receiver) writes the response headers and the body as two segments; with
    // Nagle on, the body waits for the client's delayed ACK (~40 ms on Linux), so every synchronous POST /prompt to the
    // stub took ~40 ms and the heap part minutes. Read once when the first server is created, so set it first.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
    Path templates = Path.of("templates");
    Path configs = Path.of("configs");
    System.out.printf("CoreBenchmark: %d CPUs, max heap %d MB, Java %s%n", Runtime.getRuntime().availableProcessors(),
        Runtime.getRuntime().maxMemory() >> 20, System.getProperty("java.version"));
    List<String> only = List.of(args);
    if (run(only, "latency")) {
      // Steady state, as a long-running service sees it: thousands of warm-up prompts first, or the JIT has not
      // compiled the hot paths yet (with 60 warm-up prompts the 100 KB p50 read 2.2-2.9 ms, with 1,000 about 1 ms).
      // The 4 MB part runs the same code, already compiled by then.
      latency(templates, configs, 100 * 1024, 1000, 2000);
      latency(templates, configs, 4 * 1024 * 1024, 40, 20);
    }
    if (run(only, "throughput")) {
      throughput(templates, configs, 3000, 200);
    }
    if (run(only, "heap")) {
      heapPerPrompt(templates, configs, 5000);
    }
    if (run(only, "peak")) {
      peakHeap(templates, configs);
    }
  }

  /** No arguments runs every part; otherwise only the named ones (latency, throughput, heap, peak). */
  private static boolean run(List<String> only, String part) {
    return only.isEmpty() || only.contains(part);
  }

  /** A webhook receiver that reads each body to the end without keeping it, and notes when it arrived. */
  static final class Receiver implements AutoCloseable {
    /** One buffer per receiver thread: a new 64 KB array per request was most of this JVM's allocation. */
    private static final ThreadLocal<byte[]> SKIP = ThreadLocal.withInitial(() -> new byte[64 * 1024]);
    final HttpServer server;
    final Map<String, CompletableFuture<Long>> arrivals = new ConcurrentHashMap<>();
    final AtomicLong bytes = new AtomicLong();

    Receiver() throws IOException {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 256);
      server.setExecutor(Executors.newFixedThreadPool(4, new NamedThreadFactory("comfylite-bench-receiver")));
      server.createContext("/hook", exchange -> {
        try (InputStream in = exchange.getRequestBody()) {
          byte[] head = in.readNBytes(512);
          long total = head.length;
          byte[] skip = SKIP.get();
          int n;
          while ((n = in.read(skip)) >= 0) {
            total += n;
          }
          long now = System.nanoTime();
          bytes.addAndGet(total);
          Matcher m = PROMPT_ID.matcher(new String(head, StandardCharsets.UTF_8));
          if (m.find()) {
            arrivals.computeIfAbsent(m.group(1), k -> new CompletableFuture<>()).complete(now);
          }
          exchange.sendResponseHeaders(200, -1);
        } finally {
          exchange.close();
        }
      });
      server.start();
    }

    URI url() {
      return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hook");
    }

    CompletableFuture<Long> arrival(String promptId) {
      return arrivals.computeIfAbsent(promptId, k -> new CompletableFuture<>());
    }

    @Override
    public void close() {
      server.stop(0);
    }
  }

  /** An HTTP client that sends {@code /ws} through the tap and everything else straight to the fake. */
  private static OkHttpClient http(FinishTap tap) {
    OkHttpClient.Builder b = new OkHttpClient.Builder().socketFactory(new NoDelaySocketFactory());
    if (tap != null) {
      b.addInterceptor(chain -> {
        HttpUrl url = chain.request().url();
        if (url.encodedPath().endsWith("/ws")) {
          return chain.proceed(chain.request().newBuilder().url(url.newBuilder().port(tap.port()).build()).build());
        }
        return chain.proceed(chain.request());
      });
    }
    return b.build();
  }

  private static GenerationRequest smoke(int count, int color, Receiver receiver, ComfyLite comfy) {
    return GenerationRequest.builder("smoke").param("imageCount", count).param("width", 64).param("height", 64)
        .param("color", color).addSink(comfy.webhookSink(receiver.url())).build();
  }

  /**
   * The fake with images of a given size, a {@code /ws} tap that times its finish, a webhook receiver, and a
   * ComfyLite whose HTTP client goes through the tap; shared by the latency and peak-heap parts.
   */
  private static final class TappedRig implements AutoCloseable {
    final FakeComfyUi fake;
    final FinishTap tap;
    final Receiver receiver;
    final OkHttpClient http;
    final WebhookSender sender;
    final ComfyLite comfy;

    TappedRig(Path templates, Path configs, int imageBytes) throws IOException {
      fake = FakeComfyUi.builder().noisyImages(true).minImageBytes(imageBytes).build().start();
      tap = new FinishTap(fake.port());
      receiver = new Receiver();
      http = http(tap);
      sender = WebhookSender.builder().okHttpClient(http).build();
      comfy = ComfyLite.builder().comfyUrl(fake.url()).workflowDirectories(templates, configs).okHttpClient(http)
          .webhookSender(sender).retainFinished(0, 0).build();
    }

    @Override
    public void close() throws IOException {
      // Reverse order of creation, as the nested try-with-resources did.
      comfy.close();
      sender.close();
      // Borrowed clients are left running by ComfyLite and the sender; OkHttp's default dispatcher threads are not
      // daemons and would keep the JVM alive for their 60 s keep-alive after the figures.
      http.dispatcher().executorService().shutdown();
      http.connectionPool().evictAll();
      receiver.close();
      tap.close();
      fake.close();
    }
  }

  private static void latency(Path templates, Path configs, int imageBytes, int samples, int warmup)
      throws Exception {
    try (TappedRig rig = new TappedRig(templates, configs, imageBytes)) {
      FakeComfyUi fake = rig.fake;
      FinishTap tap = rig.tap;
      Receiver receiver = rig.receiver;
      ComfyLite comfy = rig.comfy;
      {
        double[] fromFinish = new double[samples];
        double[] fromSuccess = new double[samples];
        for (int i = -warmup; i < samples; i++) {
          PromptHandle handle = comfy.submit(smoke(1, i + warmup + (imageBytes >> 10), receiver, comfy));
          long arrived = receiver.arrival(handle.promptId()).get(60, TimeUnit.SECONDS);
          Long finished = tap.finishedAt.get(handle.promptId());
          Long succeeded = tap.succeededAt.get(handle.promptId());
          if (finished == null || succeeded == null) {
            throw new IllegalStateException("no execution_success or executing null seen for " + handle.promptId());
          }
          if (i >= 0) {
            fromFinish[i] = (arrived - finished) / 1e6;
            fromSuccess[i] = (arrived - succeeded) / 1e6;
          }
        }
        Arrays.sort(fromFinish);
        Arrays.sort(fromSuccess);
        System.out.printf("finish -> webhook overhead, %s images (%d samples after %d warm-up, one in flight): p50 %.2f ms, p99 %.2f ms, "
            + "max %.2f ms from executing{node:null}; p50 %.2f ms, p99 %.2f ms from execution_success (fake runner "
            + "busy %.2f ms per prompt, before its finish)%n",
            imageBytes >= 1 << 20 ? (imageBytes >> 20) + " MB" : (imageBytes >> 10) + " KB", samples, warmup,
            percentile(fromFinish, 50), percentile(fromFinish, 99), fromFinish[samples - 1],
            percentile(fromSuccess, 50), percentile(fromSuccess, 99),
            fake.runnerBusyTime().toNanos() / 1e6 / (samples + warmup));
      }
    }
  }

  /**
   * CPU time this JVM has used so far, all threads. On a shared machine wall-clock throughput swings with the other
   * load; CPU per prompt does not, so it is the figure to compare before and after a change.
   */
  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private static double percentile(double[] sorted, int p) {
    int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
  }

  private static void throughput(Path templates, Path configs, int prompts, int inFlight) throws Exception {
    try (Receiver receiver = new Receiver()) {
      // Three warm-up rounds of each workflow (18,000 prompts), not reported: the JIT needs many thousands of prompts
      // before it has compiled the hot paths (with one warm-up round the next round ran ~30% faster; after the
      // latency part has run, faster still). Then three measured rounds each, alternating, summarised by their
      // median: single rounds on this 2-core machine vary by a third (collections, scheduling).
      List<String> workflows = List.of("smoke", "smoke_ws");
      Map<String, List<double[]>> measured = new java.util.LinkedHashMap<>();
      for (int round = 0; round < 12; round++) {
        String workflow = workflows.get(round % 2);
        // A fresh fake each round: ComfyUI keeps its history and files in its own process, but the in-process fake
        // keeps them in this heap, where tens of thousands of prompts' worth made later rounds' collections slower.
        // ComfyLite's own HTTP client and webhook sender, as an application gets them: a bench-made client would bring
        // OkHttp's defaults (5 async requests per host, 5 idle connections) and measure those instead.
        try (FakeComfyUi fake = FakeComfyUi.builder().build().start();
            ComfyLite comfy = ComfyLite.builder().comfyUrl(fake.url())
                .workflowDirectories(templates, configs).retainFinished(0, 0).build()) {
          double[] figures = throughputRound(fake, comfy, receiver, workflow, prompts, inFlight, round < 6);
          if (figures != null) {
            measured.computeIfAbsent(workflow, k -> new ArrayList<>()).add(figures);
          }
        }
      }
      measured.forEach((workflow, rounds) -> {
        double[] rates = rounds.stream().mapToDouble(f -> f[0]).sorted().toArray();
        double[] library = rounds.stream().mapToDouble(f -> f[1]).sorted().toArray();
        System.out.printf("throughput, %s: median %.0f prompts/s (rounds %.0f-%.0f); library CPU per prompt median "
            + "%.3f ms = %.0f prompts/s per core%n", workflow, rates[rates.length / 2], rates[0],
            rates[rates.length - 1], library[library.length / 2], 1000 / library[library.length / 2]);
      });
    }
  }

  /** One round; prints and returns {prompts/s, library ms per prompt}, or {@code null} for a warm-up round. */
  private static double[] throughputRound(FakeComfyUi fake, ComfyLite comfy, Receiver receiver, String workflow,
      int prompts, int inFlight, boolean warmup) throws Exception {
    long runnerBefore = fake.runnerBusyTime().toMillis();
    Semaphore window = new Semaphore(inFlight);
    AtomicInteger done = new AtomicInteger();
    CompletableFuture<Void> all = new CompletableFuture<>();
    int threads = 4;
    long cpuBefore = processCpuNanos();
    ThreadCpu threadsBefore = ThreadCpu.snapshot();
    AtomicLong submitterCpu = new AtomicLong();
    long start = System.nanoTime();
    List<Thread> submitters = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int offset = t;
      Thread thread = new Thread(() -> {
        for (int i = offset; i < prompts; i += threads) {
          window.acquireUninterruptibly();
          GenerationRequest request = GenerationRequest.builder(workflow).param("width", 16)
              .param("height", 16).param("color", i + (workflow.length() << 20))
              .addSink(comfy.webhookSink(receiver.url())).build();
          PromptHandle handle = comfy.submit(request);
          receiver.arrival(handle.promptId()).thenRun(() -> {
            receiver.arrivals.remove(handle.promptId());
            window.release();
            if (done.incrementAndGet() == prompts) {
              all.complete(null);
            }
          });
        }
        submitterCpu.addAndGet(ThreadCpu.currentThread()); // these threads end before the round does
      }, "comfylite-bench-submit-" + t);
      thread.start();
      submitters.add(thread);
    }
    all.get(10, TimeUnit.MINUTES);
    double seconds = (System.nanoTime() - start) / 1e9;
    double cpuPerPrompt = (processCpuNanos() - cpuBefore) / 1e6 / prompts;
    for (Thread submitter : submitters) {
      submitter.join();
    }
    ThreadCpu threadsAfter = ThreadCpu.snapshot();
    Map<ThreadCpu.Group, Long> used = threadsAfter.since(threadsBefore);
    if (System.getProperty("bench.threads") != null && !warmup) {
      threadsAfter.byName(threadsBefore).forEach((name, nanos) -> System.out.printf("    %-32s %.3f ms/prompt%n",
          name, nanos / 1e6 / prompts));
      System.out.printf("    %-32s %.3f ms/prompt%n", "submitters", submitterCpu.get() / 1e6 / prompts);
    }
    if (warmup) {
      return null;
    }
    double library = (used.getOrDefault(ThreadCpu.Group.LIBRARY, 0L) + submitterCpu.get()) / 1e6 / prompts;
    System.out.printf("throughput, %s, zero execution time, up to %d in flight: %d prompts in %.2f s = %.0f "
        + "prompts/s (fake runner busy %d ms)%n", workflow, inFlight, prompts, seconds, prompts / seconds,
        fake.runnerBusyTime().toMillis() - runnerBefore);
    System.out.printf("  CPU per prompt: %.3f ms in all (library %.3f, fake %.3f, webhook receiver %.3f, rest "
        + "incl. GC and JIT %.3f); the library alone: %.0f prompts/s per core%n", cpuPerPrompt, library,
        used.getOrDefault(ThreadCpu.Group.FAKE, 0L) / 1e6 / prompts,
        used.getOrDefault(ThreadCpu.Group.RECEIVER, 0L) / 1e6 / prompts,
        cpuPerPrompt - library - (used.getOrDefault(ThreadCpu.Group.FAKE, 0L)
            + used.getOrDefault(ThreadCpu.Group.RECEIVER, 0L)) / 1e6 / prompts,
        1000 / library);
    return new double[] {prompts / seconds, library};
  }

  private static void heapPerPrompt(Path templates, Path configs, int prompts) throws Exception {
    // A stub that accepts every POST /prompt and runs nothing, so the heap holds only ComfyLite's in-flight state
    // (the fake would hold each queued graph too).
    HttpServer stub = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 256);
    AtomicLong number = new AtomicLong();
    stub.createContext("/", exchange -> {
      try (InputStream in = exchange.getRequestBody(); OutputStream out = exchange.getResponseBody()) {
        String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        Matcher m = PROMPT_ID.matcher(body);
        if (exchange.getRequestMethod().equals("POST") && exchange.getRequestURI().getPath().equals("/prompt")
            && m.find()) {
          byte[] reply = ("{\"prompt_id\":\"" + m.group(1) + "\",\"number\":" + number.incrementAndGet()
              + ",\"node_errors\":{}}").getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().set("Content-Type", "application/json");
          exchange.sendResponseHeaders(200, reply.length);
          out.write(reply);
        } else {
          exchange.sendResponseHeaders(404, -1);
        }
      }
    });
    // Daemon threads, shut down below: the default factory's non-daemon threads kept the JVM alive after the figure.
    ExecutorService stubPool = Executors.newFixedThreadPool(2, new NamedThreadFactory("comfylite-bench-stub"));
    stub.setExecutor(stubPool);
    stub.start();
    try (Receiver receiver = new Receiver();
        ComfyLite comfy = ComfyLite.builder().comfyUrl(URI.create("http://127.0.0.1:" + stub.getAddress().getPort()))
            .workflowDirectories(templates, configs).promptTimeout(Duration.ofHours(1)).build()) {
      for (int i = 0; i < 200; i++) {
        comfy.submit(smoke(1, i, receiver, comfy));
      }
      long before = usedAfterGc();
      for (int i = 0; i < prompts; i++) {
        comfy.submit(smoke(1, i, receiver, comfy));
      }
      long after = usedAfterGc();
      System.out.printf("heap per in-flight prompt (%d in flight, webhook sink each): %.0f bytes%n",
          comfy.inFlight(), (after - before) / (double) prompts);
    } finally {
      stub.stop(0);
      stubPool.shutdownNow();
    }
  }

  private static long usedAfterGc() throws InterruptedException {
    for (int i = 0; i < 4; i++) {
      System.gc();
      Thread.sleep(100);
    }
    Runtime r = Runtime.getRuntime();
    return r.totalMemory() - r.freeMemory();
  }

  private static void peakHeap(Path templates, Path configs) throws Exception {
    int imageBytes = 4 * 1024 * 1024;
    int count = 8;
    List<MemoryPoolMXBean> heap = new ArrayList<>();
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        heap.add(pool);
      }
    }
    try (TappedRig rig = new TappedRig(templates, configs, imageBytes)) {
      FakeComfyUi fake = rig.fake;
      FinishTap tap = rig.tap;
      Receiver receiver = rig.receiver;
      ComfyLite comfy = rig.comfy;
      {
        // Warm up once, so classes and pools exist.
        comfy.submit(smoke(1, 1, receiver, comfy)).outcome().get(60, TimeUnit.SECONDS);
        long[] atFinish = new long[1];
        tap.onFinish(() -> {
          // The fake has produced and stored the batch: measure what delivering it adds from here.
          long used = 0;
          for (MemoryPoolMXBean pool : heap) {
            pool.resetPeakUsage();
            used += pool.getUsage().getUsed();
          }
          atFinish[0] = used;
        });
        usedAfterGc();
        PromptHandle handle = comfy.submit(smoke(count, 2, receiver, comfy));
        receiver.arrival(handle.promptId()).get(120, TimeUnit.SECONDS);
        long peak = 0;
        for (MemoryPoolMXBean pool : heap) {
          peak += pool.getPeakUsage().getUsed();
        }
        long batch = (long) count * imageBytes;
        long added = peak - atFinish[0];
        System.out.printf("peak heap delivering %d x %d MB (%d MB): +%d MB over the heap at the fake's finish = "
            + "%.2f x the batch (upper bound: pool peaks include uncollected garbage and the in-process fake's "
            + "/view buffers)%n", count, imageBytes >> 20, batch >> 20, added >> 20, added / (double) batch);
      }
    }
  }
}
