package io.github.comfylite;

/**
 * Where a running prompt stands.
 *
 * @param nodeId the node that reported progress or started last
 * @param value the node's progress value (for a sampler, the step), {@code 0} when a node just started
 * @param max the node's progress maximum (for a sampler, the number of steps), {@code 1} when unknown
 * @param nodesDone how many nodes of this run have finished
 * @param nodesTotal how many nodes this run executes (the graph minus cached nodes); {@code 0} when unknown
 */
public record Progress(String nodeId, double value, double max, int nodesDone, int nodesTotal) {

  /**
   * Checks the node id is present.
   *
   * @param nodeId the node that reported progress or started last
   * @param value the node's progress value (for a sampler, the step), {@code 0} when a node just started
   * @param max the node's progress maximum (for a sampler, the number of steps), {@code 1} when unknown
   * @param nodesDone how many nodes of this run have finished
   * @param nodesTotal how many nodes this run executes (the graph minus cached nodes); {@code 0} when unknown
   */
  public Progress {
    java.util.Objects.requireNonNull(nodeId, "nodeId");
  }
}
