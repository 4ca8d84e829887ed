package org.snipblock.cluster.meta;

import java.util.Collection;
import java.util.List;
import org.snipblock.cluster.proto.SetQos;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.store.VolumeAdminException;
import org.snipblock.store.VolumeAdminException.Reason;
import org.snipblock.store.qos.QosGroups;
import org.snipblock.store.qos.QosLimits;
import org.snipblock.store.qos.QosSetting;

/**
 * The state machine's side of {@code volume set --qos / --qos-group}: checks the limits with the
 * one parser (so a malformed command from any client changes nothing) and keeps the volume's
 * setting in its record: canonical limits, group, version.
 */
public final class QosCommand {
  private QosCommand() {}

  /** The volume with its new setting; throws NOT_FOUND for no such volume, INVALID_ARGUMENT for bad limits or group. */
  public static VolumeRecord apply(VolumeRecord v, SetQos set, Collection<VolumeRecord> all) {
    if (v == null) {
      throw new VolumeAdminException(Reason.NOT_FOUND, "no volume named " + set.getName());
    }
    QosSetting changed;
    try {
      QosLimits limits = set.getQos().isEmpty() ? null : QosLimits.parse(set.getQos());
      changed = QosGroups.change(setting(v), limits, set.getSetGroup() ? set.getGroup() : null, settings(all));
    } catch (IllegalArgumentException e) {
      throw new VolumeAdminException(Reason.INVALID_ARGUMENT, e.getMessage());
    }
    return v.toBuilder().setQos(changed.limits().isNone() ? "" : changed.limits().text()).setQosGroup(changed.group())
        .setQosVersion(changed.version()).build();
  }

  /** The QoS setting a volume record carries. */
  public static QosSetting setting(VolumeRecord v) {
    return new QosSetting(v.getName(), QosLimits.parse(v.getQos()), v.getQosGroup(), v.getQosVersion());
  }

  public static List<QosSetting> settings(Collection<VolumeRecord> all) {
    return all.stream().map(QosCommand::setting).toList();
  }
}
