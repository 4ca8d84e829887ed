package org.snipblock.store.qos;

/**
 * One volume's QoS as kept (cluster metadata or store): the limits last set on it, the group whose
 * budget it shares ("" = none: its limits are its own), and the version of that setting (a
 * counter over the whole node or cluster, so the limits set last on a group's members win).
 */
public record QosSetting(String volume, QosLimits limits, String group, long version) {

  public static QosSetting none(String volume) {
    return new QosSetting(volume, QosLimits.none(), "", 0);
  }

  /** The budget this volume spends: its own, or its group's. */
  public String budget() {
    return group.isEmpty() ? "volume:" + volume : "group:" + group;
  }
}
