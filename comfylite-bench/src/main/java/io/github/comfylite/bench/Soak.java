package io.github.comfylite.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.comfylite.internal.NamedThreadFactory;
import io.github.comfylite.server.ComfyLiteServer;
import io.github.comfylite.server.ServerConfig;
import io.github.comfylite.testkit.FakeComfyUi;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * The soak harness: pushes prompts through {@link ComfyLiteServer} (in this JVM, port 0) to a {@link FakeComfyUi},
 * with webhooks to a misbehaving {@link SoakReceiver}, while a {@link FaultPlan} drops the fake's sockets, restarts
 * it, makes nodes raise and interrupts prompts. Then checks that every accepted prompt got exactly one outcome, that
 * the webhooks agree with {@code GET /prompts/{id}}, and that every prompt a restart forgot ended {@code LOST}.
 *
 * <p>Threads: {@code comfylite-soak-client-N} submit over HTTP, {@code comfylite-soak-faults} injects faults,
 * {@code comfylite-soak-heap} samples the heap; all daemon.
 */
final class Soak {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  /** How long a fault waits for the fake to reach the state it needs (a queue to lose, a prompt to interrupt). */
  private static final Duration FAULT_WAIT = Duration.ofSeconds(2);

  private final SoakConfig config;
  private final PrintStream log;
  private final List<FaultPlan.Fault> plan;
  private final AtomicReferenceArray<String> promptIds;
  /** Whether prompt {@code i} uses {@code smoke_ws} (SaveImageWebsocket) rather than {@code smoke} (SaveImage). */
  private final boolean[] websocket;
  private final AtomicLong rejected429 = new AtomicLong();
  private final Map<String, AtomicLong> submitErrors = new ConcurrentHashMap<>();
  private final List<String> violations = new ArrayList<>();
  /** Odd but not (yet) invariant-breaking observations; only touched by the checking thread. */
  private final List<String> anomalies = new ArrayList<>();
  private final List<RestartSnapshot> restartSnapshots = new ArrayList<>();
  private final Object acceptedChanged = new Object();
  private int accepted;
  private final AtomicLong peakHeap = new AtomicLong();

  private FakeComfyUi fake;
  private SoakReceiver receiver;
  private ComfyLiteServer server;
  private HttpClient http;

  /** What the fake held when it was restarted. */
  private record RestartSnapshot(int afterAccepted, List<String> pending, List<String> running) {}

  private Soak(SoakConfig config, PrintStream log) {
    this.config = config;
    this.log = log;
    this.plan = FaultPlan.of(config);
    this.promptIds = new AtomicReferenceArray<>(config.prompts());
    this.websocket = new boolean[config.prompts()];
    for (int i = 0; i < websocket.length; i++) {
      websocket[i] = promptRandom(i).nextDouble() < config.wsShare();
    }
  }

  /**
   * Runs a soak and returns its figures; progress goes to {@code log}.
   *
   * @throws IOException if a server cannot start
   * @throws InterruptedException if the calling thread is interrupted
   */
  static SoakReport run(SoakConfig config, PrintStream log) throws IOException, InterruptedException {
    return new Soak(config, log).run();
  }

  private SoakReport run() throws IOException, InterruptedException {
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      pool.resetPeakUsage();
    }
    ScheduledExecutorService heapSampler =
        Executors.newSingleThreadScheduledExecutor(new NamedThreadFactory("comfylite-soak-heap"));
    heapSampler.scheduleAtFixedRate(() -> peakHeap.accumulateAndGet(
        ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), Math::max), 0, 10, TimeUnit.MILLISECONDS);
    ExecutorService clients = Executors.newFixedThreadPool(config.clients(),
        new NamedThreadFactory("comfylite-soak-client"));
    ExecutorService faults = Executors.newSingleThreadExecutor(new NamedThreadFactory("comfylite-soak-faults"));
    byte[] key = new byte[24];
    new SplittableRandom(config.seed()).nextBytes(key);
    String secret = "whsec_" + Base64.getEncoder().encodeToString(key);
    http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5))
        .build();
    try {
      fake = FakeComfyUi.builder().executionTime(config.executionTime()).cache(false)
          .oldServer(config.oldServer()).build().start();
      // A stall outlasts the sender's attempt timeout, so the sender retries a delivery the receiver then records.
      receiver = new SoakReceiver(config.seed(), config.webhook503(), config.webhookStall(),
          config.webhookAttemptTimeout().multipliedBy(2), secret);
      server = ComfyLiteServer.builder().config(ServerConfig.fromEnv(serverEnv(secret))).buildAndStart();
      log.println("soak: " + config);
      log.println("soak: server " + server.url() + ", fake ComfyUI " + fake.url() + ", " + plan.size() + " faults");

      long start = System.nanoTime();
      Future<?> injector = faults.submit(this::injectFaults);
      AtomicInteger next = new AtomicInteger();
      List<Future<?>> submitters = new ArrayList<>();
      for (int t = 0; t < config.clients(); t++) {
        submitters.add(clients.submit(() -> {
          int i;
          while ((i = next.getAndIncrement()) < config.prompts()) {
            submit(i);
          }
          return null;
        }));
      }
      long deadline = System.nanoTime() + config.deadline().toNanos();
      for (Future<?> f : submitters) {
        await(f, deadline, "a client thread");
      }
      await(injector, deadline, "the fault injector");
      int acceptedCount = acceptedCount();
      log.println("soak: all submitted (" + acceptedCount + " accepted); waiting for outcomes");
      boolean allArrived = receiver.awaitOutcomes(acceptedCount, System.nanoTime() + config.deadline().toNanos());
      Duration wall = Duration.ofNanos(System.nanoTime() - start);
      if (!allArrived) {
        violation("not every accepted prompt had a webhook within " + config.deadline().toSeconds() + " s");
      }
      return check(acceptedCount, wall);
    } finally {
      heapSampler.shutdownNow();
      faults.shutdownNow();
      if (server != null) {
        server.close();
      }
      if (receiver != null) {
        receiver.close();
      }
      if (fake != null) {
        fake.close();
      }
      clients.shutdownNow();
    }
  }

  private Map<String, String> serverEnv(String secret) {
    Map<String, String> env = new HashMap<>();
    env.put("COMFYLITE_ADDRESS", "127.0.0.1:0");
    env.put("COMFYUI_ADDRESS", fake.url().toString());
    env.put("COMFYLITE_TEMPLATES_DIR", config.root().resolve("templates").toString());
    env.put("COMFYLITE_CONFIGS_DIR", config.root().resolve("configs").toString());
    env.put("COMFYLITE_DEFAULT_WORKFLOW", "smoke");
    env.put("COMFYLITE_WEBHOOK_SECRET", secret);
    env.put("COMFYLITE_WEBHOOK_MAX_ATTEMPTS", Integer.toString(config.webhookMaxAttempts()));
    env.put("COMFYLITE_WEBHOOK_TIMEOUT", config.webhookAttemptTimeout().toMillis() + "ms");
    // Short waits between attempts: the receiver fails half of them, and the run should not idle on backoffs.
    env.put("COMFYLITE_WEBHOOK_MAX_BACKOFF", "1s");
    env.put("COMFYLITE_MAX_PENDING", Integer.toString(config.maxPending()));
    env.put("COMFYLITE_PROMPT_TIMEOUT", "5m");
    env.put("COMFYLITE_PROMPT_HISTORY", Integer.toString(config.prompts() + 1000));
    env.put("COMFYLITE_RESULT_CACHE_BYTES", "32MiB");
    return env;
  }

  // ------------------------------------------------------------------ clients

  private void submit(int index) throws IOException, InterruptedException {
    SplittableRandom random = promptRandom(index);
    random.nextDouble(); // the draw that chose websocket[index]: the rest of the stream stays as it was
    boolean ws = websocket[index];
    int size = 16 + 8 * random.nextInt(3);
    ObjectNode body = MAPPER.createObjectNode();
    body.put("workflow", ws ? "smoke_ws" : "smoke");
    body.put("width", size);
    body.put("height", size);
    body.put("image_count", 1 + random.nextInt(2));
    body.put("webhook_url", receiver.url(index).toString());
    // A colour per prompt keeps graphs distinct, so no run is a cached replay.
    body.putObject("params").put("color", index % 0x1000000);
    HttpRequest request = HttpRequest.newBuilder(server.url().resolve("generate"))
        .timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(MAPPER.writeValueAsBytes(body)))
        .build();
    while (true) {
      HttpResponse<byte[]> response;
      try {
        response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
      } catch (IOException e) {
        // Not retried: the server may have accepted it, and a retry would be a second prompt.
        submitError("io " + e.getClass().getSimpleName());
        violation("prompt #" + index + ": POST /generate failed: " + e);
        return;
      }
      if (response.statusCode() == 429) {
        rejected429.incrementAndGet();
        // Back off until some prompt finishes (which frees a slot), or 50 ms.
        receiver.awaitProgress(Duration.ofMillis(50));
        continue;
      }
      JsonNode json = MAPPER.readTree(response.body());
      if (response.statusCode() == 200 && json.hasNonNull("prompt_id")) {
        promptIds.set(index, json.get("prompt_id").asText());
        synchronized (acceptedChanged) {
          accepted++;
          acceptedChanged.notifyAll();
        }
        return;
      }
      submitError(Integer.toString(response.statusCode()));
      violation("prompt #" + index + ": POST /generate answered " + response.statusCode() + " "
          + new String(response.body(), java.nio.charset.StandardCharsets.UTF_8));
      if (json.hasNonNull("prompt_id")) {
        // The server still tracks it (e.g. ComfyUI unreachable: the failure webhook is on its way).
        promptIds.set(index, json.get("prompt_id").asText());
        synchronized (acceptedChanged) {
          accepted++;
          acceptedChanged.notifyAll();
        }
      }
      return;
    }
  }

  /** The random choices of prompt {@code index}: the same for a seed whichever thread submits it. */
  private SplittableRandom promptRandom(int index) {
    return new SplittableRandom(config.seed() ^ (index * 0x9E3779B97F4A7C15L));
  }

  private void submitError(String key) {
    submitErrors.computeIfAbsent(key, k -> new AtomicLong()).incrementAndGet();
  }

  private int acceptedCount() {
    synchronized (acceptedChanged) {
      return accepted;
    }
  }

  // ------------------------------------------------------------------ faults

  private Void injectFaults() throws IOException, InterruptedException {
    for (FaultPlan.Fault fault : plan) {
      synchronized (acceptedChanged) {
        while (accepted < fault.afterAccepted()) {
          acceptedChanged.wait();
        }
      }
      apply(fault);
    }
    return null;
  }

  private void apply(FaultPlan.Fault fault) throws IOException, InterruptedException {
    switch (fault.kind()) {
      case DROP_SOCKETS:
        if (fault.variant() == 0) {
          fake.dropSockets();
        } else if (fault.variant() == 1) {
          fake.dropSocketsAfter(fault.n());
        } else if (fault.variant() == 2) {
          fake.dropSocketsBefore("executed");
        } else {
          fake.dropSocketsBefore("binary");
        }
        break;
      case RESTART: {
        // Hold the running prompt between two nodes first, so that the restart surely forgets a running prompt and a
        // queue, and what we record is exactly what it forgets (nothing can finish in between).
        fake.holdExecution();
        awaitFake(() -> {
          Queue q = queue();
          return !q.running.isEmpty() && q.pending.size() >= 3;
        });
        Queue before = queue();
        fake.restart();
        fake.releaseExecution();
        synchronized (restartSnapshots) {
          restartSnapshots.add(new RestartSnapshot(fault.afterAccepted(), before.pending, before.running));
        }
        break;
      }
      case EXECUTION_ERROR: {
        long done = fake.completedPrompts();
        fake.failNode("EmptyImage", "soak: injected failure");
        awaitFake(() -> fake.completedPrompts() >= done + fault.n());
        fake.clearFailures();
        break;
      }
      case INTERRUPT:
        // Hold so that a prompt is surely running when the interrupt comes. The interrupt ends the hold itself; the
        // release only states that nothing stays held.
        fake.holdExecution();
        awaitFake(() -> !queue().running.isEmpty());
        fake.interrupt();
        fake.releaseExecution();
        break;
      default:
        throw new IllegalStateException("unknown fault " + fault);
    }
    log.println("soak: after " + fault.afterAccepted() + " accepted: " + fault.describe());
  }

  /** Polls the fake until {@code condition} holds or {@link #FAULT_WAIT} passes (the fault then goes ahead anyway). */
  private static void awaitFake(BooleanSupplier condition) {
    long deadline = System.nanoTime() + FAULT_WAIT.toNanos();
    while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
    }
  }

  private record Queue(List<String> running, List<String> pending) {}

  /** The fake's {@code GET /queue}: the prompt ids running and pending. */
  private Queue queue() {
    try {
      HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(fake.url().resolve("queue"))
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofByteArray());
      JsonNode json = MAPPER.readTree(response.body());
      return new Queue(ids(json.path("queue_running")), ids(json.path("queue_pending")));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static List<String> ids(JsonNode items) {
    List<String> ids = new ArrayList<>();
    for (JsonNode item : items) {
      ids.add(item.path(1).asText());
    }
    return ids;
  }

  // ------------------------------------------------------------------ checks

  private SoakReport check(int acceptedCount, Duration wall) throws InterruptedException {
    Map<String, Integer> indexOf = new HashMap<>();
    List<Integer> acceptedIndexes = new ArrayList<>();
    for (int i = 0; i < config.prompts(); i++) {
      String id = promptIds.get(i);
      if (id != null) {
        indexOf.put(id, i);
        acceptedIndexes.add(i);
      }
    }
    // Each prompt's outcome: from its webhook, else from the server (the sender gave up), else none.
    String[] outcomes = new String[config.prompts()];
    long givenUp = 0;
    long noOutcome = 0;
    long mismatches = 0;
    long twoIds = 0;
    List<Future<Optional<String>>> serverViews = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(8, new NamedThreadFactory("comfylite-soak-check"));
    try {
      for (int i : acceptedIndexes) {
        String id = promptIds.get(i);
        serverViews.add(pool.submit(() -> serverOutcome(id)));
      }
      for (int k = 0; k < acceptedIndexes.size(); k++) {
        int i = acceptedIndexes.get(k);
        Optional<String> server;
        try {
          server = serverViews.get(k).get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
          violation("prompt #" + i + " " + promptIds.get(i) + ": GET /prompts failed: " + e);
          server = Optional.empty();
        }
        Optional<SoakReceiver.Record> record = receiver.record(i);
        Optional<String> hook = record.flatMap(SoakReceiver.Record::outcome);
        if (hook.isPresent() && hook.get().equals("NO_RESULT") && !websocket[i]) {
          violation("prompt #" + i + " " + promptIds.get(i) + ": a SaveImage prompt ended NO_RESULT; its images are"
              + " in ComfyUI's history, which survives a dropped socket");
        }
        if (hook.isPresent()) {
          outcomes[i] = hook.get();
          SoakReceiver.Record r = record.get();
          synchronized (r) {
            if (!r.promptId.equals(promptIds.get(i))) {
              violation("prompt #" + i + ": webhook names prompt " + r.promptId + ", POST /generate said "
                  + promptIds.get(i));
            }
            if (r.webhookIds.size() > 1) {
              twoIds++;
              violation("prompt #" + i + " " + r.promptId + ": delivered under " + r.webhookIds.size()
                  + " webhook ids " + r.webhookIds);
            }
          }
          if (server.isPresent() && !server.get().equals(hook.get())) {
            mismatches++;
            violation("prompt #" + i + " " + promptIds.get(i) + ": webhook says " + hook.get()
                + ", GET /prompts says " + server.get());
          } else if (server.isEmpty()) {
            mismatches++;
            violation("prompt #" + i + " " + promptIds.get(i) + ": webhook says " + hook.get()
                + ", GET /prompts says it is unfinished");
          }
        } else if (server.isPresent()) {
          outcomes[i] = server.get();
          givenUp++;
          violation("prompt #" + i + " " + promptIds.get(i) + ": ended " + server.get()
              + " but its webhook never arrived (given up?)");
        } else {
          noOutcome++;
          String id = promptIds.get(i);
          violation("prompt #" + i + " " + id + ": no outcome (" + (websocket[i] ? "smoke_ws" : "smoke")
              + "; the server says " + serverStatus(id) + "; the fake says " + fakeStatus(id) + ")");
        }
      }
    } finally {
      pool.shutdownNow();
    }

    List<SoakReport.RestartResult> restarts = new ArrayList<>();
    synchronized (restartSnapshots) {
      for (RestartSnapshot s : restartSnapshots) {
        int pendingLost = countLost(s, s.pending(), "queued", indexOf, outcomes, true);
        // Not an invariant (yet): under heavy stress the fake has, rarely, listed as running a prompt that had
        // already ended (the outcome came before the restart). Such cases are printed as anomalies.
        int runningLost = countLost(s, s.running(), "running", indexOf, outcomes, false);
        restarts.add(new SoakReport.RestartResult(s.afterAccepted(), s.pending().size(), s.running().size(),
            pendingLost, runningLost));
      }
    }
    long succeeded = 0;
    SortedMap<String, Long> failed = new TreeMap<>();
    for (int i = 0; i < outcomes.length; i++) {
      String o = outcomes[i];
      if (o == null) {
        continue;
      }
      if (o.equals("success")) {
        succeeded++;
      } else {
        failed.merge(o + (websocket[i] ? " smoke_ws" : " smoke"), 1L, Long::sum);
      }
    }
    receiver.problems().forEach(this::violation);
    // ComfyUI runs a prompt once per POST /prompt, also when the prompt_id repeats: a second POST is a second run.
    Map<String, Integer> posts = new HashMap<>();
    for (io.github.comfylite.testkit.ReceivedPrompt received : fake.receivedPrompts()) {
      if (received.accepted()) {
        posts.merge(received.promptId(), 1, Integer::sum);
      }
    }
    posts.forEach((id, n) -> {
      if (n > 1) {
        violation("prompt " + id + (indexOf.containsKey(id) ? " (#" + indexOf.get(id) + ")" : "")
            + " was posted to ComfyUI " + n + " times, so it ran " + n + " times");
      }
    });
    if (acceptedCount != config.prompts()) {
      violation((config.prompts() - acceptedCount) + " prompts were never accepted");
    }
    long poolPeaks = 0;
    for (MemoryPoolMXBean pool2 : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool2.getType() == MemoryType.HEAP && pool2.getPeakUsage() != null) {
        poolPeaks += pool2.getPeakUsage().getUsed();
      }
    }
    SortedMap<String, Long> errors = new TreeMap<>();
    submitErrors.forEach((k, v) -> errors.put(k, v.get()));
    List<String> allViolations;
    synchronized (violations) {
      allViolations = List.copyOf(violations);
    }
    long distinctIds = receiver.deliveries() - receiver.duplicates();
    return new SoakReport(config, plan, acceptedCount, rejected429.get(), errors, succeeded, failed,
        receiver.requests(), receiver.answered503(), receiver.stalled(), distinctIds, receiver.duplicates(), twoIds,
        noOutcome, givenUp, mismatches, restarts, peakHeap.get(), poolPeaks,
        Runtime.getRuntime().maxMemory(), wall, allViolations, List.copyOf(anomalies));
  }

  /** Counts those of {@code ids} that ended LOST; a queued one must (nothing runs between snapshot and restart). */
  private int countLost(RestartSnapshot restart, List<String> ids, String state, Map<String, Integer> indexOf,
      String[] outcomes, boolean mustBeLost) {
    int lost = 0;
    for (String id : ids) {
      Integer i = indexOf.get(id);
      if (i == null) {
        violation("the fake held prompt " + id + " at a restart, which POST /generate never returned");
        continue;
      }
      if ("LOST".equals(outcomes[i])) {
        lost++;
      } else {
        String message = "prompt #" + i + " " + id + " was " + state + " when the fake restarted (after "
            + restart.afterAccepted() + " accepted) but ended " + outcomes[i] + ": "
            + receiver.record(i).map(r -> r.error).orElse("no webhook");
        if (mustBeLost) {
          violation(message);
        } else {
          anomalies.add(message + " [the fake now says " + fakeStatus(id) + "]");
        }
      }
    }
    return lost;
  }

  /** The server's raw {@code status} of a prompt, for diagnosing a prompt without outcome. */
  private String serverStatus(String promptId) {
    try {
      HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(server.url().resolve("prompts/" + promptId))
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofByteArray());
      JsonNode json = MAPPER.readTree(response.body());
      return json.path("status").asText("?") + (json.has("progress") ? " " + json.get("progress") : "");
    } catch (IOException e) {
      return "? (" + e + ")";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "? (interrupted)";
    }
  }

  /** Where the fake has a prompt: running, pending, in its history (with its status), or nowhere. */
  private String fakeStatus(String promptId) {
    Queue q = queue();
    if (q.running.contains(promptId)) {
      return "running";
    }
    if (q.pending.contains(promptId)) {
      return "pending at " + q.pending.indexOf(promptId) + " of " + q.pending.size();
    }
    try {
      HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(fake.url().resolve("history/" + promptId))
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofByteArray());
      JsonNode entry = MAPPER.readTree(response.body()).path(promptId);
      if (entry.isObject()) {
        JsonNode messages = entry.path("status").path("messages");
        StringBuilder types = new StringBuilder();
        for (JsonNode m : messages) {
          types.append(types.length() == 0 ? "" : ",").append(m.path(0).asText());
        }
        return "finished " + entry.path("status").path("status_str").asText() + " [" + types + "], "
            + fake.receivedPrompts().stream().filter(r -> r.promptId().equals(promptId)).count() + " POSTs seen";
      }
      return "unknown (forgotten by a restart, or never received)";
    } catch (IOException e) {
      return "? (" + e + ")";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "? (interrupted)";
    }
  }

  /** The server's view of a prompt: {@code success} or the failure kind, empty while unfinished. */
  private Optional<String> serverOutcome(String promptId) throws IOException, InterruptedException {
    HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(server.url().resolve("prompts/" + promptId))
        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofByteArray());
    if (response.statusCode() != 200) {
      throw new IOException("GET /prompts/" + promptId + " answered " + response.statusCode());
    }
    JsonNode json = MAPPER.readTree(response.body());
    String status = json.path("status").asText();
    if (status.equals("succeeded")) {
      return Optional.of("success");
    }
    if (status.equals("failed")) {
      return Optional.of(json.path("kind").asText().toUpperCase(java.util.Locale.ROOT));
    }
    return Optional.empty();
  }

  private void violation(String message) {
    synchronized (violations) {
      violations.add(message);
    }
  }

  private void await(Future<?> future, long deadlineNanos, String what) throws InterruptedException {
    try {
      future.get(Math.max(1, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      violation(what + " failed: " + e.getCause());
    } catch (java.util.concurrent.TimeoutException e) {
      violation(what + " did not finish within " + config.deadline().toSeconds() + " s");
      future.cancel(true);
    }
  }
}
