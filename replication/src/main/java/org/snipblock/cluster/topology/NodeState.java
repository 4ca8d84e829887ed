package org.snipblock.cluster.topology;

/** A node as the cluster sees it. Only UP nodes receive new copies. */
public enum NodeState {
  /** In the membership view and answering. */
  UP,
  /** Known to the cluster metadata but not in the current membership view. */
  DOWN,
  /** Leaving on purpose: keeps serving what it has, receives nothing new, hands it all to others. */
  DRAINING,
  /** Drained: holds no copy and serves no volume; safe to stop and to remove from the cluster. */
  DRAINED,
  /** A member that has not reported its capacity yet: receives nothing until it has. */
  JOINING
}
