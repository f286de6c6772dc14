package io.github.comfylite.workflow;

import java.util.Objects;

/**
 * A node of a workflow whose images are results.
 *
 * @param nodeId the node's id in the template
 * @param classType the node's {@code class_type}, such as {@code SaveImage}
 * @param kind how the node delivers its images
 */
public record OutputNode(String nodeId, String classType, OutputKind kind) {
  /**
   * Checks that every part is present.
   *
   * @param nodeId the node's id in the template
   * @param classType the node's {@code class_type}, such as {@code SaveImage}
   * @param kind how the node delivers its images
   */
  public OutputNode {
    Objects.requireNonNull(nodeId, "nodeId");
    Objects.requireNonNull(classType, "classType");
    Objects.requireNonNull(kind, "kind");
  }
}
