package io.github.comfylite.workflow;

import java.util.Objects;

/**
 * One place a parameter is written: {@code inputs.<input>} of the node with id {@code nodeId}. Targets addressed by
 * {@code node_title} in the mapping file are resolved to node ids when the workflow loads.
 *
 * @param nodeId the node's id in the template (a string: ids are JSON object keys, never parse them as numbers)
 * @param input the key inside the node's {@code inputs} object
 */
public record NodeTarget(String nodeId, String input) {
  /**
   * Checks that both parts are present.
   *
   * @param nodeId the node's id in the template (a string: ids are JSON object keys, never parse them as numbers)
   * @param input the key inside the node's {@code inputs} object
   */
  public NodeTarget {
    Objects.requireNonNull(nodeId, "nodeId");
    Objects.requireNonNull(input, "input");
  }

  @Override
  public String toString() {
    return nodeId + "." + input;
  }
}
