package org.snipblock.node.cli;

import org.snipblock.store.qos.QosGroups;
import org.snipblock.store.qos.QosLimits;
import org.snipblock.store.qos.QosSetting;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/** The --qos option of volume create and set: checked with the one parser before anything is sent. */
final class QosOption {
  private QosOption() {}

  /** The limits as the node is to receive them; a bad text is a usage error (one line, exit 2). */
  static String check(CommandSpec spec, String text) {
    try {
      return QosLimits.parse(text).text();
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
  }

  /** The group name as given ("none": leave the group); a bad one is a usage error. */
  static String checkGroup(CommandSpec spec, String group) {
    try {
      QosGroups.change(QosSetting.none("-"), null, group, java.util.List.of());
      return group.trim();
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
  }
}
