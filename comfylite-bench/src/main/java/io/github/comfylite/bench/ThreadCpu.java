package io.github.comfylite.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.Map;

/**
 * CPU time of this JVM's live threads, grouped by who they work for, so an in-process benchmark can tell the library's
 * share from the fake ComfyUI's and the webhook receiver's. Threads that end between two snapshots lose their time
 * (the pools involved keep idle threads for 30 s or more, longer than a round); GC and JIT threads are not Java
 * threads and are only in the process total.
 */
final class ThreadCpu {
  enum Group { LIBRARY, FAKE, RECEIVER, OTHER }

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private final Map<Long, Long> cpuById;
  private final Map<Long, String> nameById;

  private ThreadCpu(Map<Long, Long> cpuById, Map<Long, String> nameById) {
    this.cpuById = cpuById;
    this.nameById = nameById;
  }

  static ThreadCpu snapshot() {
    Map<Long, Long> cpu = new HashMap<>();
    Map<Long, String> names = new HashMap<>();
    for (ThreadInfo info : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
      if (info == null) {
        continue;
      }
      long nanos = THREADS.getThreadCpuTime(info.getThreadId());
      if (nanos >= 0) {
        cpu.put(info.getThreadId(), nanos);
        names.put(info.getThreadId(), info.getThreadName());
      }
    }
    return new ThreadCpu(cpu, names);
  }

  /** CPU used per group from {@code before} to this snapshot, in nanoseconds. */
  Map<Group, Long> since(ThreadCpu before) {
    Map<Group, Long> used = new HashMap<>();
    for (Map.Entry<Long, Long> e : cpuById.entrySet()) {
      long delta = e.getValue() - before.cpuById.getOrDefault(e.getKey(), 0L);
      used.merge(group(nameById.get(e.getKey())), delta, Long::sum);
    }
    return used;
  }

  /** CPU used per thread name (digits removed) from {@code before} to this snapshot, in nanoseconds. */
  Map<String, Long> byName(ThreadCpu before) {
    Map<String, Long> used = new java.util.TreeMap<>();
    for (Map.Entry<Long, Long> e : cpuById.entrySet()) {
      long delta = e.getValue() - before.cpuById.getOrDefault(e.getKey(), 0L);
      used.merge(nameById.get(e.getKey()).replaceAll("[0-9]+", "N"), delta, Long::sum);
    }
    return used;
  }

  static Group group(String name) {
    if (name.startsWith("comfylite-fake") || name.startsWith("MockWebServer")) {
      return Group.FAKE;
    }
    if (name.startsWith("comfylite-bench-receiver") || name.startsWith("HTTP-Dispatcher")) {
      return Group.RECEIVER;
    }
    // ComfyLite's own threads (events, io, http, callbacks, scheduler, webhooks), OkHttp's task runner (WebSocket
    // writer, connection pool) and the benchmark's submitters, which run ComfyLite.submit.
    if (name.startsWith("comfylite-") || name.startsWith("OkHttp")) {
      return Group.LIBRARY;
    }
    return Group.OTHER;
  }

  /** The calling thread's CPU time so far, in nanoseconds. */
  static long currentThread() {
    return THREADS.getCurrentThreadCpuTime();
  }
}
