package io.github.comfylite.internal;

import java.io.BufferedOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;

/**
 * A plain socket whose streams move data in 64 KB system calls. Okio hands a socket one 8 KB segment per read and per
 * write call; for an image of a few megabytes (a {@code /view} download, a webhook body) that is hundreds of system
 * calls, and with {@code TCP_NODELAY} hundreds of small packets, which cost a 4 MB webhook several milliseconds.
 *
 * <p>Writes are buffered until OkHttp flushes, which it does at the end of every request, every WebSocket frame, and,
 * under TLS, after every record (the JDK's TLS layer writes through these streams and flushes each record). Reads
 * return what one system call brought, without waiting for more: a response or frame is handed on as soon as it
 * arrives, exactly as with the unbuffered stream.
 */
final class BufferedSocket extends Socket {
  static final int BUFFER_SIZE = 64 * 1024;

  private InputStream in;
  private OutputStream out;

  @Override
  public synchronized InputStream getInputStream() throws IOException {
    if (in == null) {
      in = new Input(super.getInputStream());
    }
    return in;
  }

  @Override
  public synchronized OutputStream getOutputStream() throws IOException {
    if (out == null) {
      out = new BufferedOutputStream(super.getOutputStream(), BUFFER_SIZE);
    }
    return out;
  }

  /**
   * Reads ahead up to 64 KB per system call. Unlike {@link java.io.BufferedInputStream} it never asks
   * {@code available()} (one more system call per read) and never waits to fill the caller's array.
   */
  static final class Input extends FilterInputStream {
    private final byte[] buffer = new byte[BUFFER_SIZE];
    private int position;
    private int limit;

    Input(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      if (position == limit && !fill()) {
        return -1;
      }
      return buffer[position++] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      if (position == limit) {
        if (len >= buffer.length) {
          return in.read(b, off, len); // as large as our buffer: no point copying twice
        }
        if (!fill()) {
          return -1;
        }
      }
      int n = Math.min(len, limit - position);
      System.arraycopy(buffer, position, b, off, n);
      position += n;
      return n;
    }

    private boolean fill() throws IOException {
      int n = in.read(buffer, 0, buffer.length);
      if (n <= 0) {
        return false;
      }
      position = 0;
      limit = n;
      return true;
    }

    @Override
    public long skip(long n) throws IOException {
      if (n <= 0) {
        return 0;
      }
      if (position < limit) {
        int skipped = (int) Math.min(n, limit - position);
        position += skipped;
        return skipped;
      }
      return in.skip(n);
    }

    @Override
    public int available() throws IOException {
      return (limit - position) + in.available();
    }

    @Override
    public boolean markSupported() {
      return false;
    }
  }
}
