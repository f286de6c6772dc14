package io.github.comfylite.client;

/**
 * Receives a {@link ComfyClient}'s WebSocket events.
 *
 * <p><strong>Threads:</strong> every method is called on OkHttp's WebSocket reader thread, one call at a time and in
 * the order ComfyUI sent the messages. Implementations must return quickly: hand the event to another thread and
 * never block or do I/O here, or the socket stalls. Exceptions are caught and logged at WARNING; they do not close the
 * socket. Nothing is delivered after {@link ComfyClient#close()}.
 */
public interface ComfyEventListener {

  /**
   * The socket opened and the feature flags were sent. Events sent while the socket was down are lost; after a
   * reconnect, check {@code /queue} and {@code /history} for prompts in flight (protocol §4).
   *
   * @param reconnected false for the first connection of this client, true for every later one
   */
  default void onConnected(boolean reconnected) {}

  /**
   * Whether this listener wants text messages of a type at all. Messages it does not want are dropped before they
   * are parsed, which saves the reader thread most of its work for chatty types such as {@code progress_state} (sent
   * twice per node with the state of every node so far). Called on the reader thread for every text message whose
   * type can be read without parsing it; binary frames are always delivered.
   *
   * @param type the message's {@code type}, such as {@code executing} or {@code progress_state}
   * @return {@code false} to skip the message; the default wants everything
   */
  default boolean wants(String type) {
    return true;
  }

  /**
   * One message from ComfyUI.
   *
   * @param event the parsed message
   */
  void onEvent(ComfyEvent event);

  /**
   * An open socket was lost (closed by the server, a network failure, or no pong in time). The client is already
   * scheduling a reconnect. Not called for connection attempts that never opened, nor after {@code close()}.
   *
   * @param cause why, e.g. an {@link java.io.IOException}; for a clean close by the server, an
   *     {@link java.io.IOException} naming the close code
   */
  default void onDisconnected(Throwable cause) {}
}
