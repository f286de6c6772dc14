package io.github.comfylite.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.github.comfylite.internal.NamedThreadFactory;
import io.github.comfylite.result.WebhookSignature;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The soak's webhook receiver: a JDK HTTP server on loopback that records every delivery by prompt and
 * {@code webhook-id}, checks signatures, and misbehaves on purpose. Prompt {@code i} posts to {@code /hook/i}; the
 * receiver's answer to the {@code n}-th request for prompt {@code i} is drawn from a random generator seeded with
 * {@code (seed, i, n)}, so the same seed gives every prompt the same sequence of answers whatever the thread timing:
 * 503, a stall longer than the sender's attempt timeout (then recorded and answered 200, like a receiver that
 * processed a request its sender had already given up on, which makes the sender retry a delivered webhook), or 200.
 */
final class SoakReceiver implements AutoCloseable {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** What the receiver learned about one prompt. */
  static final class Record {
    /** Distinct {@code webhook-id}s, in arrival order. */
    final Set<String> webhookIds = new LinkedHashSet<>();
    /** {@code success}, or the failure's kind in upper case ({@code LOST}, {@code EXECUTION}, ...). */
    String outcome;
    String promptId;
    /** The failure's {@code error} text, for diagnosing a violation. */
    String error;
    int deliveries;

    synchronized Optional<String> outcome() {
      return Optional.ofNullable(outcome);
    }
  }

  private final HttpServer server;
  private final ExecutorService executor;
  private final long seed;
  private final double share503;
  private final double shareStall;
  private final Duration stall;
  private final String secret;
  private final CountDownLatch closing = new CountDownLatch(1);
  private final Map<Integer, Record> records = new ConcurrentHashMap<>();
  private final Map<Integer, AtomicInteger> requestsPerPrompt = new ConcurrentHashMap<>();
  private final AtomicLong requests = new AtomicLong();
  private final AtomicLong answered503 = new AtomicLong();
  private final AtomicLong stalled = new AtomicLong();
  private final AtomicLong deliveries = new AtomicLong();
  private final AtomicLong duplicates = new AtomicLong();
  private final AtomicLong badSignatures = new AtomicLong();
  private final List<String> problems = new ArrayList<>();
  private final Object changed = new Object();
  private int promptsWithOutcome;

  SoakReceiver(long seed, double share503, double shareStall, Duration stall, String secret) throws IOException {
    this.seed = seed;
    this.share503 = share503;
    this.shareStall = shareStall;
    this.stall = stall;
    this.secret = secret;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 256);
    // Stalled requests hold a thread each; the sender runs at most 32 requests per host at a time.
    executor = Executors.newFixedThreadPool(48, new NamedThreadFactory("comfylite-soak-receiver"));
    server.setExecutor(executor);
    server.createContext("/hook/", this::handle);
    server.start();
  }

  /** The webhook URL of prompt {@code index}. */
  URI url(int index) {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hook/" + index);
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      requests.incrementAndGet();
      int index;
      try {
        index = Integer.parseInt(exchange.getRequestURI().getPath().substring("/hook/".length()));
      } catch (NumberFormatException e) {
        problem("webhook to an unexpected path " + exchange.getRequestURI().getPath());
        answer(exchange, 404);
        return;
      }
      byte[] body;
      try (InputStream in = exchange.getRequestBody()) {
        body = in.readAllBytes();
      }
      int n = requestsPerPrompt.computeIfAbsent(index, i -> new AtomicInteger()).getAndIncrement();
      double draw = new SplittableRandom(seed * 1_000_003L + index * 7919L + n).nextDouble();
      if (draw < share503) {
        answered503.incrementAndGet();
        answer(exchange, 503);
        return;
      }
      if (draw < share503 + shareStall) {
        stalled.incrementAndGet();
        try {
          closing.await(stall.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
      record(index, exchange, body);
      answer(exchange, 200);
    }
  }

  private void record(int index, HttpExchange exchange, byte[] body) throws IOException {
    String id = exchange.getRequestHeaders().getFirst("webhook-id");
    String timestamp = exchange.getRequestHeaders().getFirst("webhook-timestamp");
    String signature = exchange.getRequestHeaders().getFirst("webhook-signature");
    if (!WebhookSignature.verify(secret, id, timestamp, body, signature, Duration.ofMinutes(5))) {
      badSignatures.incrementAndGet();
      problem("prompt #" + index + ": webhook " + id + " has a bad or missing signature");
    }
    JsonNode json = MAPPER.readTree(body);
    String status = json.path("status").asText();
    String outcome = status.equals("success") ? "success" : json.path("kind").asText("?").toUpperCase(
        java.util.Locale.ROOT);
    if (!status.equals("success") && !status.equals("failure")) {
      problem("prompt #" + index + ": webhook status '" + status + "'");
    }
    String promptId = json.path("prompt_id").asText();
    Record r = records.computeIfAbsent(index, i -> new Record());
    boolean first;
    synchronized (r) {
      deliveries.incrementAndGet();
      r.deliveries++;
      if (!r.webhookIds.add(id)) {
        duplicates.incrementAndGet(); // a retry of a delivery that already arrived: counts once
      }
      first = r.outcome == null;
      if (first) {
        r.outcome = outcome;
        r.promptId = promptId;
        r.error = json.path("error").asText("");
      } else if (!r.outcome.equals(outcome) || !r.promptId.equals(promptId)) {
        problem("prompt #" + index + ": webhooks disagree: " + r.promptId + " " + r.outcome + " then " + promptId
            + " " + outcome);
      }
    }
    if (first) {
      synchronized (changed) {
        promptsWithOutcome++;
        changed.notifyAll();
      }
    }
  }

  private static void answer(HttpExchange exchange, int status) {
    try {
      exchange.sendResponseHeaders(status, -1);
    } catch (IOException e) {
      // The sender gave up on this attempt (a stall) and closed the connection.
    }
  }

  private void problem(String message) {
    synchronized (problems) {
      problems.add(message);
    }
  }

  /**
   * Waits until {@code count} prompts have an outcome, or the deadline passes.
   *
   * @return whether they all arrived in time
   */
  boolean awaitOutcomes(int count, long deadlineNanos) throws InterruptedException {
    synchronized (changed) {
      while (promptsWithOutcome < count) {
        long left = deadlineNanos - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(changed, left);
      }
      return true;
    }
  }

  /** Waits at most {@code timeout} for any further prompt to get its outcome (a back-off that ends early). */
  void awaitProgress(Duration timeout) throws InterruptedException {
    synchronized (changed) {
      int now = promptsWithOutcome;
      long deadline = System.nanoTime() + timeout.toNanos();
      while (promptsWithOutcome == now) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return;
        }
        TimeUnit.NANOSECONDS.timedWait(changed, left);
      }
    }
  }

  Optional<Record> record(int index) {
    return Optional.ofNullable(records.get(index));
  }

  long requests() {
    return requests.get();
  }

  long answered503() {
    return answered503.get();
  }

  long stalled() {
    return stalled.get();
  }

  /** Requests recorded as deliveries (after a stall or at once), retries of the same webhook id included. */
  long deliveries() {
    return deliveries.get();
  }

  /** Deliveries of a webhook id that had arrived before (counted once in the figures). */
  long duplicates() {
    return duplicates.get();
  }

  long badSignatures() {
    return badSignatures.get();
  }

  List<String> problems() {
    synchronized (problems) {
      return List.copyOf(problems);
    }
  }

  @Override
  public void close() {
    closing.countDown();
    server.stop(0);
    executor.shutdownNow();
  }
}
