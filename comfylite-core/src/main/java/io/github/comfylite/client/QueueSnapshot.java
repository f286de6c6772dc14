package io.github.comfylite.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * ComfyUI's queue at one moment ({@code GET /queue}, protocol §11).
 *
 * @param running the prompt being executed (at most one)
 * @param pending the prompts waiting, in run order: sorted by {@code number}, then prompt id (ComfyUI's own list is in
 *     heap order, which is not run order)
 */
public record QueueSnapshot(List<QueueItem> running, List<QueueItem> pending) {
  private static final Comparator<QueueItem> RUN_ORDER =
      Comparator.comparing((QueueItem item) -> numberOf(item.number())).thenComparing(QueueItem::promptId);

  /**
   * Copies the lists.
   *
   * @param running the prompt being executed (at most one)
   * @param pending the prompts waiting, in run order: sorted by {@code number}, then prompt id (ComfyUI's own list is
   *     in heap order, which is not run order)
   */
  public QueueSnapshot {
    running = List.copyOf(running);
    pending = List.copyOf(pending);
  }

  /**
   * Reads a {@code GET /queue} body and sorts the pending items into run order.
   *
   * @param body {@code {"queue_running":[item…],"queue_pending":[item…]}}
   * @return the snapshot
   */
  public static QueueSnapshot fromJson(JsonNode body) {
    List<QueueItem> running = items(body.path("queue_running"));
    List<QueueItem> pending = items(body.path("queue_pending"));
    pending.sort(RUN_ORDER);
    return new QueueSnapshot(running, pending);
  }

  /**
   * Whether the prompt is running or pending.
   *
   * @param promptId the prompt id
   * @return true if ComfyUI still has it queued or running
   */
  public boolean contains(String promptId) {
    return isRunning(promptId) || position(promptId).isPresent();
  }

  /**
   * Whether the prompt is the one executing now.
   *
   * @param promptId the prompt id
   * @return true if it is running
   */
  public boolean isRunning(String promptId) {
    return running.stream().anyMatch(i -> i.promptId().equals(promptId));
  }

  /**
   * The prompt's place among the pending prompts: 0 runs next. Empty if it is running or not queued.
   *
   * @param promptId the prompt id
   * @return its position in {@link #pending()}
   */
  public OptionalInt position(String promptId) {
    for (int i = 0; i < pending.size(); i++) {
      if (pending.get(i).promptId().equals(promptId)) {
        return OptionalInt.of(i);
      }
    }
    return OptionalInt.empty();
  }

  private static List<QueueItem> items(JsonNode array) {
    List<QueueItem> items = new ArrayList<>();
    for (JsonNode item : array) {
      Optional<String> promptId = ComfyEvents.text(item, 1);
      if (promptId.isEmpty()) {
        continue; // not a queue item we understand
      }
      items.add(new QueueItem(item.path(0), promptId.get(), ComfyEvents.text(item.path(3), "client_id")));
    }
    return items;
  }

  private static BigDecimal numberOf(JsonNode number) {
    if (number.isNumber()) {
      return number.decimalValue();
    }
    // NaN, strings, missing: run last (ComfyUI itself only writes numbers here).
    try {
      return new BigDecimal(number.asText());
    } catch (NumberFormatException e) {
      return BigDecimal.valueOf(Double.MAX_VALUE);
    }
  }
}
