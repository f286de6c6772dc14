package io.github.comfylite.result;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * One image a prompt produced. The bytes are held once and never copied on the way to a sink: {@link #writeTo} and
 * {@link #openStream()} read them in place; {@link #bytes()} returns a copy for callers that need their own array.
 */
public final class GeneratedImage {
  private final byte[] data;
  private final String mimeType;
  private final String nodeId;
  private final FileRef file;

  private GeneratedImage(byte[] data, String mimeType, String nodeId, FileRef file) {
    this.data = data;
    this.mimeType = mimeType;
    this.nodeId = nodeId;
    this.file = file;
  }

  /**
   * Creates an image, taking ownership of {@code data} (the caller must not change the array afterwards). The MIME
   * type is read from the magic bytes.
   *
   * @param data the encoded image
   * @param nodeId the id of the node that produced it
   * @param file where ComfyUI stored it, or {@code null} for images sent over the WebSocket
   * @return the image
   */
  public static GeneratedImage of(byte[] data, String nodeId, FileRef file) {
    Objects.requireNonNull(data, "data");
    Objects.requireNonNull(nodeId, "nodeId");
    return new GeneratedImage(data, mimeTypeOf(data), nodeId, file);
  }

  /**
   * The MIME type that the magic bytes of {@code data} announce: {@code image/png}, {@code image/jpeg},
   * {@code image/webp}, {@code image/gif}, or {@code application/octet-stream} when none matches.
   *
   * @param data encoded image bytes
   * @return the MIME type
   */
  public static String mimeTypeOf(byte[] data) {
    if (data.length >= 8 && (data[0] & 0xff) == 0x89 && data[1] == 'P' && data[2] == 'N' && data[3] == 'G') {
      return "image/png";
    }
    if (data.length >= 3 && (data[0] & 0xff) == 0xff && (data[1] & 0xff) == 0xd8 && (data[2] & 0xff) == 0xff) {
      return "image/jpeg";
    }
    if (data.length >= 12 && data[0] == 'R' && data[1] == 'I' && data[2] == 'F' && data[3] == 'F'
        && data[8] == 'W' && data[9] == 'E' && data[10] == 'B' && data[11] == 'P') {
      return "image/webp";
    }
    if (data.length >= 4 && data[0] == 'G' && data[1] == 'I' && data[2] == 'F' && data[3] == '8') {
      return "image/gif";
    }
    return "application/octet-stream";
  }

  /**
   * A copy of the encoded image bytes.
   *
   * @return a new array the caller owns
   */
  public byte[] bytes() {
    return Arrays.copyOf(data, data.length);
  }

  /**
   * The size of the encoded image in bytes.
   *
   * @return the byte count, without copying
   */
  public int size() {
    return data.length;
  }

  /**
   * A stream over the encoded bytes, without copying them.
   *
   * @return a new stream positioned at the first byte; closing it is optional
   */
  public InputStream openStream() {
    return new ByteArrayInputStream(data);
  }

  /**
   * Writes the encoded bytes to {@code out} without copying them.
   *
   * @param out where to write
   * @throws IOException if {@code out} fails
   */
  public void writeTo(OutputStream out) throws IOException {
    out.write(data);
  }

  /** The array itself, not a copy, for this package's encoders; never modified. */
  byte[] data() {
    return data;
  }

  /**
   * The MIME type, from the magic bytes (never from what ComfyUI claimed).
   *
   * @return e.g. {@code image/png}, {@code image/jpeg} or {@code image/webp}
   */
  public String mimeType() {
    return mimeType;
  }

  /**
   * The id of the node that produced the image.
   *
   * @return the node id in the submitted graph
   */
  public String nodeId() {
    return nodeId;
  }

  /**
   * Where ComfyUI stored the image; empty for SaveImageWebsocket images, which exist only on the socket.
   *
   * @return ComfyUI's file name, subfolder and type, or empty for socket-only images
   */
  public Optional<FileRef> file() {
    return Optional.ofNullable(file);
  }

  @Override
  public String toString() {
    return "GeneratedImage{" + mimeType + ", " + data.length + " bytes, node " + nodeId
        + (file == null ? "" : ", " + file) + "}";
  }

  /**
   * A file in one of ComfyUI's folders, as {@code /history} and {@code /view} name it.
   *
   * @param filename the base name
   * @param subfolder the folder inside the type's directory, possibly empty
   * @param type {@code output}, {@code temp} or {@code input}
   */
  public record FileRef(String filename, String subfolder, String type) {
    /**
     * Checks the components are present.
     *
     * @param filename the base name
     * @param subfolder the folder inside the type's directory, possibly empty
     * @param type {@code output}, {@code temp} or {@code input}
     */
    public FileRef {
      Objects.requireNonNull(filename, "filename");
      Objects.requireNonNull(subfolder, "subfolder");
      Objects.requireNonNull(type, "type");
    }
  }
}
