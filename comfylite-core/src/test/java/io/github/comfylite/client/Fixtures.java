package io.github.comfylite.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.comfylite.internal.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import okio.ByteString;

/** Reads {@code shared/comfyui-fixtures} and turns the {@code ws-*.json} files into wire frames. */
final class Fixtures {
  static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a};
  static final byte[] JPEG_MAGIC = {(byte) 0xff, (byte) 0xd8, (byte) 0xff, (byte) 0xe0};

  private Fixtures() {}

  static Path dir() {
    return Path.of(System.getProperty("comfylite.root", ".")).resolve("../shared/comfyui-fixtures").normalize();
  }

  static String text(String name) {
    try {
      return Files.readString(dir().resolve(name), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static JsonNode json(String name) {
    try {
      return Json.JSON.readTree(text(name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** One frame the server sends: exactly one of {@code text} and {@code binary} is set. */
  record Frame(String text, ByteString binary) {
    boolean isText() {
      return text != null;
    }
  }

  /** The server's frames in a {@code ws-*.json} file, in order; client sends and actions are skipped. */
  static List<Frame> serverFrames(String name) {
    List<Frame> frames = new ArrayList<>();
    for (JsonNode element : json(name)) {
      if (element.has("type")) {
        frames.add(new Frame(element.toString(), null));
      } else if (element.has("binary")) {
        frames.add(new Frame(null, ByteString.of(binaryFrame(element.get("binary")))));
      }
    }
    return frames;
  }

  /** Builds the wire bytes the fixtures README describes for a {@code {"binary":{…}}} element. */
  static byte[] binaryFrame(JsonNode spec) {
    int event = spec.path("event").asInt();
    int size = spec.path("bytes").asInt();
    if (event == 1) {
      int format = spec.path("format").asInt();
      return event1(format, image(format == 2 ? PNG_MAGIC : JPEG_MAGIC, size));
    }
    if (event == 4) {
      JsonNode meta = spec.path("metadata");
      byte[] magic = "image/jpeg".equals(meta.path("image_type").asText()) ? JPEG_MAGIC : PNG_MAGIC;
      return event4(meta.toString(), image(magic, size));
    }
    throw new IllegalArgumentException("no fixture layout for binary event " + event);
  }

  static byte[] image(byte[] magic, int size) {
    byte[] image = Arrays.copyOf(magic, Math.max(size, magic.length));
    for (int i = magic.length; i < image.length; i++) {
      image[i] = (byte) i;
    }
    return image;
  }

  static byte[] event1(int format, byte[] image) {
    return ByteBuffer.allocate(8 + image.length).putInt(1).putInt(format).put(image).array();
  }

  static byte[] event4(String metadataJson, byte[] image) {
    byte[] meta = metadataJson.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(8 + meta.length + image.length).putInt(4).putInt(meta.length).put(meta).put(image)
        .array();
  }

  static byte[] event3(String nodeId, String text) {
    byte[] id = nodeId.getBytes(StandardCharsets.UTF_8);
    byte[] body = text.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(8 + id.length + body.length).putInt(3).putInt(id.length).put(id).put(body).array();
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }
}
