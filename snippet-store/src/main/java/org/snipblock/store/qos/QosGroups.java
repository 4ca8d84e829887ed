package org.snipblock.store.qos;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Budgets shared by a group of volumes (a VM's disks, a tenant), as QEMU's throttle groups share
 * one set of limits between drives: every member's requests fill the same buckets, so splitting a
 * disk into several does not escape the limit. A group's limits are the ones set last on any of its
 * members; a volume joining a group without new limits takes the group's.
 */
public final class QosGroups {
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");

  private QosGroups() {}

  /**
   * The setting after a change: {@code limits} null keeps them, {@code group} null keeps the group
   * ("" or "none" leaves it).
   *
   * @throws IllegalArgumentException for a bad group name (one line for the operator)
   */
  public static QosSetting change(QosSetting current, QosLimits limits, String group, Collection<QosSetting> all) {
    String g = group == null ? current.group() : group.trim().equalsIgnoreCase("none") ? "" : group.trim();
    if (!g.isEmpty() && !NAME.matcher(g).matches()) {
      throw new IllegalArgumentException("invalid --qos-group '" + group + "': 1-64 characters of a-z 0-9 . _ -,"
          + " starting with a letter or digit");
    }
    long next = all.stream().mapToLong(QosSetting::version).max().orElse(0) + 1;
    if (limits != null) {
      return new QosSetting(current.volume(), limits, g, next);
    }
    if (!g.isEmpty() && !g.equals(current.group())) {
      // Joining without limits of its own: the group's budget stays as it is.
      QosSetting last = lastSetIn(g, all, current.volume());
      if (last != null) {
        return new QosSetting(current.volume(), last.limits(), g, last.version());
      }
    }
    return new QosSetting(current.volume(), current.limits(), g, g.equals(current.group()) ? current.version() : next);
  }

  /** Every budget in use and its limits: a volume's own, or its group's (set last on a member). */
  public static Map<String, QosLimits> budgets(Collection<QosSetting> all) {
    Map<String, QosSetting> last = new HashMap<>();
    for (QosSetting s : all) {
      last.merge(s.budget(), s, QosGroups::later);
    }
    Map<String, QosLimits> out = new HashMap<>();
    last.forEach((budget, s) -> out.put(budget, s.limits()));
    return out;
  }

  private static QosSetting lastSetIn(String group, Collection<QosSetting> all, String except) {
    QosSetting last = null;
    for (QosSetting s : all) {
      if (s.group().equals(group) && !s.volume().equals(except)) {
        last = last == null ? s : later(last, s);
      }
    }
    return last;
  }

  /** The one set later; equal versions (possible only for settings copied from each other) by name, for determinism. */
  private static QosSetting later(QosSetting a, QosSetting b) {
    if (a.version() != b.version()) {
      return a.version() > b.version() ? a : b;
    }
    return a.volume().compareTo(b.volume()) <= 0 ? a : b;
  }
}
