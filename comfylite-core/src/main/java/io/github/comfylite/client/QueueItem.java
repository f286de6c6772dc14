package io.github.comfylite.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;
import java.util.Optional;

/**
 * One prompt in {@code GET /queue}: the first, second and fourth element of ComfyUI's 5-element queue item
 * (protocol §11). The graph is left out; it can be large.
 *
 * @param number the queue priority (smaller runs first; an int or a float)
 * @param promptId the prompt id
 * @param clientId {@code extra_data.client_id}: whose prompt it is; empty when it was submitted without one
 */
public record QueueItem(JsonNode number, String promptId, Optional<String> clientId) {
  /**
   * Checks components.
   *
   * @param number the queue priority (smaller runs first; an int or a float)
   * @param promptId the prompt id
   * @param clientId {@code extra_data.client_id}: whose prompt it is; empty when it was submitted without one
   */
  public QueueItem {
    Objects.requireNonNull(number, "number");
    Objects.requireNonNull(promptId, "promptId");
    Objects.requireNonNull(clientId, "clientId");
  }
}
