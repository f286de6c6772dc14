package io.github.comfylite.client;

/** The state of a {@link ComfyClient}'s WebSocket. */
public enum ConnectionState {
  /** Not connected: {@code connect} was not called yet, or the socket was lost and a reconnect is scheduled. */
  DISCONNECTED,
  /** A socket is being opened. */
  CONNECTING,
  /** The socket is open and the feature flags were sent. */
  CONNECTED,
  /** {@link ComfyClient#close()} was called; the client never connects again. */
  CLOSED
}
