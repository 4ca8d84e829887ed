package org.snipblock.cluster.replica;

/**
 * What this node believes about who may write: the epoch of each volume as committed in the
 * cluster metadata, and whether this node currently sits with a majority of the metadata voters
 * (a node cut off with a minority must neither accept writes as primary nor apply them as replica).
 */
public interface EpochAuthority {

  /** The committed epoch of the volume, or 0 if this node does not know the volume. */
  long epoch(String volume);

  /** True while this node's membership view holds a majority of the metadata voters. */
  boolean inMajority();

  /** The volume's uid (which incarnation of the name it is), or 0 if this node does not know the volume. */
  default long uid(String volume) {
    return 0;
  }
}
