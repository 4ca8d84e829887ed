package org.snipblock.cluster.topology;

/**
 * One storage node as placement sees it.
 *
 * @param capacityBytes space the node offers for snippets
 * @param usedBytes     space already taken (stored or promised to placed snippets)
 * @param load          recent I/O load as a fraction of what the node can take (0 idle, 1 saturated)
 */
public record NodeDescriptor(
    String id, Location location, NodeState state, long capacityBytes, long usedBytes, double load) {

  public NodeDescriptor {
    if (id == null || id.isBlank()) {
      throw new IllegalArgumentException("node id missing");
    }
    if (location == null) {
      throw new IllegalArgumentException("node " + id + " has no location");
    }
    if (capacityBytes < 0 || usedBytes < 0) {
      throw new IllegalArgumentException("node " + id + ": negative capacity or used space");
    }
    if (Double.isNaN(load) || load < 0) {
      throw new IllegalArgumentException("node " + id + ": load must be >= 0");
    }
  }

  public long freeBytes() {
    return Math.max(0, capacityBytes - usedBytes);
  }

  public NodeDescriptor withState(NodeState newState) {
    return new NodeDescriptor(id, location, newState, capacityBytes, usedBytes, load);
  }

  public NodeDescriptor withUsage(long newCapacity, long newUsed, double newLoad) {
    return new NodeDescriptor(id, location, state, newCapacity, newUsed, newLoad);
  }
}
