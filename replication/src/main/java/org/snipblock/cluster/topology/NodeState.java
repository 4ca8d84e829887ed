package org.snipblock.cluster.topology;

/** A node as the cluster sees it. Only UP nodes receive new copies. */
public enum NodeState {
  /** In the membership view and answering. */
  UP,
  /** Known to the cluster metadata but not in the current membership view. */
  DOWN,
  /** Leaving on purpose: keeps serving what it has, receives nothing new. */
  DRAINING
}
