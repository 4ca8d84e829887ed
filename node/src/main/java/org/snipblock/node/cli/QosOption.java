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

  /** The volume's QoS, or empty from a node that has none to tell (no Qos service, or volumes without QoS). */
  static java.util.Optional<org.snipblock.node.admin.v1.VolumeQos> shown(org.snipblock.node.admin.AdminClient c,
      String volume) {
    try {
      return java.util.Optional.of(c.showQos(volume));
    } catch (io.grpc.StatusRuntimeException e) {
      io.grpc.Status.Code code = e.getStatus().getCode();
      if (code == io.grpc.Status.Code.UNIMPLEMENTED || code == io.grpc.Status.Code.FAILED_PRECONDITION) {
        return java.util.Optional.empty();
      }
      throw e;
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
