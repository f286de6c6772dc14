package io.github.comfylite.workflow;

/** How an output node delivers its images. */
public enum OutputKind {
  /** The node writes files (SaveImage, PreviewImage): read {@code /history} and fetch each with {@code /view}. */
  FILE,
  /** The node sends binary WebSocket frames (SaveImageWebsocket): the images exist only on the socket. */
  WEBSOCKET;

  String yamlName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
