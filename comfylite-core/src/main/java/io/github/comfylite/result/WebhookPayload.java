package io.github.comfylite.result;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * The JSON body of a webhook delivery, written straight into an output stream.
 *
 * <p>The original contract ({@code shared/seed/README-seed.md}) comes first and unchanged:
 * {@code {"status":"success","prompt_id":…,"images":["<base64>",…]}} or
 * {@code {"status":"failure","prompt_id":…,"error":…}}. Fields we add come after them: {@code workflow}, and
 * {@code mime_types} (same order as {@code images}) or {@code kind}, {@code node_id}, {@code node_type}.
 *
 * <p>Images are never copied or held as base64: {@link #writeTo} encodes each one in small chunks from the image's own
 * array into the stream, so a body of any size costs a few kilobytes of buffer. The exact length is known up front
 * (base64 of n bytes is {@code 4 * ceil(n / 3)} bytes), so the request is sent with a {@code Content-Length} rather than
 * chunked. The body can be written any number of times (for signing and for each attempt) and is immutable.
 */
final class WebhookPayload {
  private static final JsonStringEncoder QUOTER = JsonStringEncoder.getInstance();

  /** Everything before the first image (for a failure: the whole body). */
  private final byte[] head;
  private final List<GeneratedImage> images;
  /** Everything after the last image's closing quote. */
  private final byte[] tail;
  private final long contentLength;

  private WebhookPayload(byte[] head, List<GeneratedImage> images, byte[] tail) {
    this.head = head;
    this.images = images;
    this.tail = tail;
    long length = head.length + tail.length;
    for (int i = 0; i < images.size(); i++) {
      length += base64Length(images.get(i).size()) + 2 + (i > 0 ? 1 : 0);
    }
    this.contentLength = length;
  }

  /** The payload for {@code outcome}. */
  static WebhookPayload of(Outcome outcome) {
    if (outcome instanceof Outcome.Succeeded succeeded) {
      GenerationResult result = succeeded.result();
      Json head = new Json().raw("{\"status\":\"success\",\"prompt_id\":").string(result.promptId())
          .raw(",\"images\":[");
      Json tail = new Json().raw("],\"workflow\":").string(result.workflow()).raw(",\"mime_types\":[");
      List<GeneratedImage> images = result.images();
      for (int i = 0; i < images.size(); i++) {
        if (i > 0) {
          tail.raw(",");
        }
        tail.string(images.get(i).mimeType());
      }
      tail.raw("]}");
      return new WebhookPayload(head.bytes(), images, tail.bytes());
    }
    Outcome.Failed failed = outcome.asFailed();
    Json body = new Json().raw("{\"status\":\"failure\",\"prompt_id\":").string(failed.promptId())
        .raw(",\"error\":").string(failed.message())
        .raw(",\"workflow\":").string(failed.workflow())
        .raw(",\"kind\":").string(failed.kind().wireName());
    failed.nodeId().ifPresent(id -> body.raw(",\"node_id\":").string(id));
    failed.nodeType().ifPresent(type -> body.raw(",\"node_type\":").string(type));
    body.raw("}");
    return new WebhookPayload(body.bytes(), List.of(), new byte[0]);
  }

  /** The exact number of bytes {@link #writeTo} writes. */
  long contentLength() {
    return contentLength;
  }

  /**
   * Writes the whole body to {@code out}. Does not close {@code out}.
   *
   * @throws IOException if {@code out} fails
   */
  void writeTo(OutputStream out) throws IOException {
    out.write(head);
    NonClosingOutputStream shield = new NonClosingOutputStream(out);
    for (int i = 0; i < images.size(); i++) {
      out.write(i == 0 ? QUOTE : COMMA_QUOTE);
      GeneratedImage image = images.get(i);
      if (image.size() <= SMALL_IMAGE) {
        // Encoded in one go: the streaming encoder's own buffer is larger than the whole result for small images.
        out.write(Base64.getEncoder().encode(image.data()));
      } else {
        // The encoder buffers a few KB and writes through; close() emits the final quantum and padding but, shielded,
        // leaves the request stream open.
        try (OutputStream base64 = Base64.getEncoder().wrap(shield)) {
          image.writeTo(base64);
        }
      }
      out.write(QUOTE);
    }
    out.write(tail);
  }

  static long base64Length(long n) {
    return 4 * ((n + 2) / 3);
  }

  /** Up to this size an image is base64-encoded into one array (at most 8 KB), not streamed. */
  private static final int SMALL_IMAGE = 6 * 1024;
  private static final byte[] QUOTE = {'"'};
  private static final byte[] COMMA_QUOTE = {',', '"'};

  /** Builds the small JSON parts around the images, escaping strings as JSON requires. */
  private static final class Json {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(256);

    Json raw(String ascii) {
      out.writeBytes(ascii.getBytes(StandardCharsets.US_ASCII));
      return this;
    }

    Json string(String value) {
      out.write('"');
      out.writeBytes(QUOTER.quoteAsUTF8(value));
      out.write('"');
      return this;
    }

    byte[] bytes() {
      return out.toByteArray();
    }
  }

  /** Passes writes through in bulk and ignores {@code close()}. */
  private static final class NonClosingOutputStream extends OutputStream {
    private final OutputStream out;

    NonClosingOutputStream(OutputStream out) {
      this.out = out;
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
    }

    @Override
    public void close() {
      // The request body stream belongs to OkHttp (or to the signer); only the base64 wrapper is closed.
    }
  }
}
