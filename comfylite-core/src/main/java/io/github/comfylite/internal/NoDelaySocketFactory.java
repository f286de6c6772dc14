package io.github.comfylite.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import javax.net.SocketFactory;

/**
 * Plain sockets with {@code TCP_NODELAY} and 64 KB stream buffers ({@link BufferedSocket}). OkHttp writes a POST's headers and body as separate segments; with Nagle's
 * algorithm on, the body waits for the peer's delayed ACK (40 ms on Linux), which made every {@code POST /prompt}
 * and webhook take 40 ms on loopback. Our requests are few and already buffered, so Nagle only adds latency.
 *
 * <p>Used for every OkHttp client ComfyLite builds itself (the facade's, {@code ComfyClient}'s and
 * {@code WebhookSender}'s own). A client the application lends us keeps its own socket factory: we never change how
 * a borrowed client connects.
 */
public final class NoDelaySocketFactory extends SocketFactory {
  private final SocketFactory delegate = SocketFactory.getDefault();

  /** Creates a factory over the JVM's default socket factory. */
  public NoDelaySocketFactory() {}

  private static Socket noDelay(Socket socket) throws SocketException {
    socket.setTcpNoDelay(true);
    return socket;
  }

  /** The unconnected socket OkHttp asks for and then connects; buffered (see {@link BufferedSocket}). */
  @Override
  public Socket createSocket() throws IOException {
    return noDelay(new BufferedSocket());
  }

  @Override
  public Socket createSocket(String host, int port) throws IOException {
    return noDelay(delegate.createSocket(host, port));
  }

  @Override
  public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
    return noDelay(delegate.createSocket(host, port, localHost, localPort));
  }

  @Override
  public Socket createSocket(InetAddress host, int port) throws IOException {
    return noDelay(delegate.createSocket(host, port));
  }

  @Override
  public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
      throws IOException {
    return noDelay(delegate.createSocket(address, port, localAddress, localPort));
  }
}
