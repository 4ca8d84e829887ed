package org.snipblock.cluster.topology;

import org.snipblock.store.VolumeAdminException;

/** The topology cannot satisfy a volume's redundancy policy; the message says why, for an operator. */
public class PlacementException extends VolumeAdminException {
  public PlacementException(String message) {
    super(Reason.FAILED_PRECONDITION, message);
  }
}
