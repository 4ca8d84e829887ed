package org.snipblock.cluster.meta;

import org.snipblock.cluster.proto.SetQos;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.store.VolumeAdminException;
import org.snipblock.store.VolumeAdminException.Reason;
import org.snipblock.store.qos.QosLimits;

/**
 * The state machine's side of {@code volume set --qos}: checks the limits with the one parser
 * (so a malformed command from any client changes nothing) and keeps their canonical text.
 */
public final class QosCommand {
  private QosCommand() {}

  /** The volume with the new limits; throws NOT_FOUND for no such volume, INVALID_ARGUMENT for bad limits. */
  public static VolumeRecord apply(VolumeRecord v, SetQos set) {
    if (v == null) {
      throw new VolumeAdminException(Reason.NOT_FOUND, "no volume named " + set.getName());
    }
    QosLimits limits;
    try {
      limits = QosLimits.parse(set.getQos());
    } catch (IllegalArgumentException e) {
      throw new VolumeAdminException(Reason.INVALID_ARGUMENT, e.getMessage());
    }
    String text = limits.isNone() ? "" : limits.text();
    return v.toBuilder().setQos(text).build();
  }

  /** The limits a volume record carries. */
  public static QosLimits limits(VolumeRecord v) {
    return QosLimits.parse(v.getQos());
  }
}
