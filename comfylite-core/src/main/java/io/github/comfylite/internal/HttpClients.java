package io.github.comfylite.internal;

import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;

/**
 * The OkHttp clients ComfyLite makes for itself when the application lends it none, and their shutdown. One recipe,
 * so the facade, {@code ComfyClient} and {@code WebhookSender} cannot drift apart.
 */
public final class HttpClients {
  /** Asynchronous calls at once (the WebSocket and webhook deliveries; synchronous calls are not counted). */
  private static final int MAX_REQUESTS = 128;

  private HttpClients() {}

  /**
   * A client with daemon dispatcher threads named {@code threadName-N} (the library must not keep the JVM alive), 32
   * idle connections kept for 5 minutes instead of OkHttp's 5 (many threads call one host at once when many prompts
   * are in flight), and {@link NoDelaySocketFactory} sockets.
   *
   * @param threadName the dispatcher threads' name prefix
   * @param maxRequestsPerHost asynchronous calls to one host at once (OkHttp's default of 5 would serialise
   *     webhook deliveries to one receiver)
   * @return a new client; {@link #shutdown} it when done
   */
  public static OkHttpClient owned(String threadName, int maxRequestsPerHost) {
    Dispatcher dispatcher = new Dispatcher(new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS,
        new SynchronousQueue<>(), new NamedThreadFactory(threadName)));
    dispatcher.setMaxRequests(MAX_REQUESTS);
    dispatcher.setMaxRequestsPerHost(maxRequestsPerHost);
    return new OkHttpClient.Builder().dispatcher(dispatcher)
        .connectionPool(new ConnectionPool(32, 5, TimeUnit.MINUTES))
        .socketFactory(new NoDelaySocketFactory())
        .build();
  }

  /**
   * Stops an {@link #owned} client's dispatcher threads (calls in progress finish) and closes its idle connections.
   *
   * @param client a client made by {@link #owned}, or a copy of one made with {@code newBuilder()}
   */
  public static void shutdown(OkHttpClient client) {
    client.dispatcher().executorService().shutdown();
    client.connectionPool().evictAll();
  }
}
