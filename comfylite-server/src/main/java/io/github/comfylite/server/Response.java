package io.github.comfylite.server;

import java.io.IOException;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a handler answers: a status, headers and a body that is either a value to serialize as JSON, fixed bytes, or
 * a writer that streams (used for images, so that their base64 is never built as one String).
 */
final class Response {
  /** Streams a body. */
  interface BodyWriter {
    void writeTo(OutputStream out) throws IOException;
  }

  final int status;
  final String contentType;
  final Object json;
  final byte[] bytes;
  final BodyWriter writer;
  final Map<String, String> headers = new LinkedHashMap<>();

  private Response(int status, String contentType, Object json, byte[] bytes, BodyWriter writer) {
    this.status = status;
    this.contentType = contentType;
    this.json = json;
    this.bytes = bytes;
    this.writer = writer;
  }

  /** A JSON body: a Jackson tree, a {@code Map}, or anything Jackson serializes. */
  static Response json(int status, Object body) {
    return new Response(status, "application/json", body, null, null);
  }

  static Response bytes(int status, String contentType, byte[] body) {
    return new Response(status, contentType, null, body, null);
  }

  /** A body of unknown length, sent chunked. */
  static Response streaming(int status, String contentType, BodyWriter writer) {
    return new Response(status, contentType, null, null, writer);
  }

  Response header(String name, String value) {
    headers.put(name, value);
    return this;
  }
}
