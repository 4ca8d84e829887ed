package org.snipblock.cluster.meta;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Function;
import org.snipblock.cluster.proto.AutoModeSwitch;
import org.snipblock.cluster.proto.MetaCommand;
import org.snipblock.cluster.proto.ModeSwitch;
import org.snipblock.cluster.proto.NodeRecord;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.cluster.topology.ConsumerPlace;
import org.snipblock.cluster.topology.Location;
import org.snipblock.store.VolumeAdminException;
import org.snipblock.store.VolumeAdminException.Reason;

/**
 * The metadata commands by which storage follows its consumer: where a volume is consumed, whether
 * its primary controls its mode, the switches that control makes, and the catch-up flag under
 * which the primary throttles writes. Each answers the volume as it is after the command, or
 * throws the refusal (nothing changed).
 */
public final class FollowCommands {
  /** How many automatic switches a volume's record keeps, the latest last. */
  public static final int SWITCHES_KEPT = 8;

  private FollowCommands() {}

  static VolumeRecord apply(Function<String, VolumeRecord> volumes, Collection<NodeRecord> nodes, MetaCommand cmd) {
    return switch (cmd.getCommandCase()) {
      case SET_CONSUMER -> consumer(volume(volumes, cmd.getSetConsumer().getName()), nodes,
          cmd.getSetConsumer().getConsumer());
      case SET_MODE_CONTROL -> volume(volumes, cmd.getSetModeControl().getName()).toBuilder()
          .setAutoMode(cmd.getSetModeControl().getAuto()).build();
      case AUTO_MODE_SWITCH -> autoSwitch(volume(volumes, cmd.getAutoModeSwitch().getName()), cmd.getAutoModeSwitch());
      case SET_CATCH_UP -> volume(volumes, cmd.getSetCatchUp().getName()).toBuilder()
          .setCatchingUp(cmd.getSetCatchUp().getCatchingUp()).build();
      default -> throw new IllegalArgumentException("not a follow command: " + cmd.getCommandCase());
    };
  }

  private static VolumeRecord volume(Function<String, VolumeRecord> volumes, String name) {
    VolumeRecord v = volumes.apply(name);
    if (v == null) {
      throw new VolumeAdminException(Reason.NOT_FOUND, "no volume named " + name);
    }
    return v;
  }

  private static VolumeRecord consumer(VolumeRecord v, Collection<NodeRecord> nodes, String consumer) {
    if (consumer.isEmpty()) {
      return v.toBuilder().clearConsumer().build();
    }
    ConsumerPlace place;
    try {
      place = ConsumerPlace.parse(consumer);
    } catch (IllegalArgumentException e) {
      throw new VolumeAdminException(Reason.INVALID_ARGUMENT, e.getMessage());
    }
    List<String> sites = new ArrayList<>();
    for (NodeRecord n : nodes) {
      String site = Location.parse(n.getLocation()).site();
      if (!sites.contains(site)) {
        sites.add(site);
      }
    }
    if (!sites.contains(place.site())) {
      throw new VolumeAdminException(Reason.INVALID_ARGUMENT, "unknown site " + place.site() + " in consumer "
          + consumer + " (the cluster's nodes are in " + String.join(", ", sites.stream().sorted().toList()) + ")");
    }
    return v.toBuilder().setConsumer(place.toString()).build();
  }

  private static VolumeRecord autoSwitch(VolumeRecord v, AutoModeSwitch s) {
    if (!v.getAutoMode()) {
      throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "volume " + v.getName()
          + " is no longer under automatic mode control");
    }
    if (v.getEpoch() != s.getEpoch()) {
      throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "volume " + v.getName() + " is at epoch "
          + v.getEpoch() + "; a primary of epoch " + s.getEpoch() + " may no longer switch its mode");
    }
    if (!SnippetModes.valid(s.getMode())) {
      throw new VolumeAdminException(Reason.INVALID_ARGUMENT, "unknown replication mode '" + s.getMode() + "'");
    }
    if (v.getMode().equals(s.getMode())) {
      return v;
    }
    VolumeRecord.Builder b = v.toBuilder().setMode(s.getMode()).addModeSwitches(ModeSwitch.newBuilder()
        .setFrom(v.getMode()).setTo(s.getMode()).setReason(s.getReason()).setAtMillis(s.getAtMillis())
        .setEpoch(s.getEpoch()));
    while (b.getModeSwitchesCount() > SWITCHES_KEPT) {
      b.removeModeSwitches(0);
    }
    return b.build();
  }
}
