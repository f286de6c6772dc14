package io.github.comfylite;

import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.SocketFactory;

/**
 * A socket factory for tests that can stop the client reading its current WebSocket: bytes ComfyUI sends stay in the
 * kernel until {@link #open()}, so a test can let an HTTP reply overtake socket messages that were sent before it
 * (protocol §4), deterministically. The WebSocket is recognised by its upgrade request ({@code GET /ws}).
 */
final class GatedSockets extends SocketFactory {
  private final AtomicReference<GatedSocket> lastWebSocket = new AtomicReference<>();
  private final Object lock = new Object();
  private boolean closed;

  /** Stops reads on the WebSocket opened last (reads already past the gate finish). */
  void closeLastWebSocket() {
    GatedSocket socket = lastWebSocket.get();
    if (socket == null) {
      throw new IllegalStateException("no WebSocket has been opened yet");
    }
    synchronized (lock) {
      socket.gated = true;
      closed = true;
    }
  }

  /** Lets every gated socket read again. */
  void open() {
    synchronized (lock) {
      closed = false;
      GatedSocket socket = lastWebSocket.get();
      if (socket != null) {
        socket.gated = false;
      }
      lock.notifyAll();
    }
  }

  @Override
  public Socket createSocket() {
    return new GatedSocket();
  }

  @Override
  public Socket createSocket(String host, int port) throws IOException {
    return connected(new InetSocketAddress(host, port));
  }

  @Override
  public Socket createSocket(String host, int port, InetAddress localHost, int localPort) {
    throw new UnsupportedOperationException("not used by OkHttp");
  }

  @Override
  public Socket createSocket(InetAddress host, int port) throws IOException {
    return connected(new InetSocketAddress(host, port));
  }

  private Socket connected(InetSocketAddress address) throws IOException {
    Socket socket = new GatedSocket();
    socket.connect(address);
    return socket;
  }

  @Override
  public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) {
    throw new UnsupportedOperationException("not used by OkHttp");
  }

  private final class GatedSocket extends Socket {
    volatile boolean gated;
    private InputStream in;
    private OutputStream out;

    @Override
    public synchronized InputStream getInputStream() throws IOException {
      if (in == null) {
        in = new FilterInputStream(super.getInputStream()) {
          @Override
          public int read() throws IOException {
            awaitOpen();
            return super.read();
          }

          @Override
          public int read(byte[] b, int off, int len) throws IOException {
            awaitOpen();
            return super.read(b, off, len);
          }
        };
      }
      return in;
    }

    @Override
    public synchronized OutputStream getOutputStream() throws IOException {
      if (out == null) {
        out = new FilterOutputStream(super.getOutputStream()) {
          private boolean first = true;

          @Override
          public void write(byte[] b, int off, int len) throws IOException {
            if (first) {
              first = false;
              String head = new String(b, off, Math.min(len, 64), StandardCharsets.ISO_8859_1);
              if (head.startsWith("GET /ws")) {
                lastWebSocket.set(GatedSocket.this);
              }
            }
            super.out.write(b, off, len);
          }
        };
      }
      return out;
    }

    private void awaitOpen() throws IOException {
      synchronized (lock) {
        while (gated && closed && !isClosed()) {
          try {
            lock.wait(1000); // woken by open(); the timeout only re-checks whether the socket was closed
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while the socket was gated");
          }
        }
      }
    }
  }
}
