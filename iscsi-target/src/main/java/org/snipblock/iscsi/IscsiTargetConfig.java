package org.snipblock.iscsi;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Function;
import org.snipblock.block.BlockDevice;
import org.snipblock.iscsi.alua.PortGroups;
import org.snipblock.iscsi.login.NegotiationDefaults;
import org.snipblock.iscsi.scsi.BlockLogicalUnit;
import org.snipblock.iscsi.scsi.LogicalUnit;
import org.snipblock.iscsi.scsi.SharedUnitState;

/**
 * Configuration of the iSCSI target.
 *
 * @param listen             address and port to bind (port 0: ephemeral)
 * @param targetNamePrefix   each device NAME is served as target {@code prefix + NAME}
 * @param portalAddress      host reported in SendTargets ("host:port,1"); null: the bound address
 * @param access             per-device authentication and ACL (device name to policy)
 * @param discoveryAccess    authentication for discovery sessions
 * @param negotiation        what the target offers for negotiable keys
 * @param commandWindow      CmdSN window per session (commands in flight)
 * @param maxTransferLength  largest Expected Data Transfer Length accepted for one command
 * @param nopInterval        idle time after which the target pings the initiator (NOP-In)
 * @param nopTimeout         how long a ping may go unanswered before the connection is dropped
 * @param logicalUnitFactory builds the one logical unit per device shared by all sessions
 * @param portGroups         the paths to each device (ALUA target port groups and portals): one
 *                           group for a standalone target, one per node in a cluster
 * @param sharedState        where the state all paths of a device share (reservations) lives: the
 *                           cluster's metadata; null: in each logical unit's memory (standalone)
 */
public record IscsiTargetConfig(
    InetSocketAddress listen,
    String targetNamePrefix,
    String portalAddress,
    Function<String, TargetAccess> access,
    TargetAccess discoveryAccess,
    NegotiationDefaults negotiation,
    int commandWindow,
    int maxTransferLength,
    Duration nopInterval,
    Duration nopTimeout,
    LogicalUnitFactory logicalUnitFactory,
    PortGroups portGroups,
    SharedUnitState sharedState) {

  public static final String DEFAULT_PREFIX = "iqn.2026-11.org.snipblock:";

  public IscsiTargetConfig {
    Objects.requireNonNull(listen, "listen");
    Objects.requireNonNull(targetNamePrefix, "targetNamePrefix");
    Objects.requireNonNull(access, "access");
    Objects.requireNonNull(discoveryAccess, "discoveryAccess");
    Objects.requireNonNull(negotiation, "negotiation");
    Objects.requireNonNull(nopInterval, "nopInterval");
    Objects.requireNonNull(nopTimeout, "nopTimeout");
    Objects.requireNonNull(logicalUnitFactory, "logicalUnitFactory");
    Objects.requireNonNull(portGroups, "portGroups");
    if (commandWindow < 1 || commandWindow > 65536) {
      throw new IllegalArgumentException("commandWindow must be 1..65536");
    }
    if (maxTransferLength < 512) {
      throw new IllegalArgumentException("maxTransferLength must be at least 512");
    }
  }

  /** Builds the logical unit of a device, which reports and obeys the target's port groups. */
  @FunctionalInterface
  public interface LogicalUnitFactory {
    LogicalUnit create(BlockDevice device, PortGroups portGroups, SharedUnitState sharedState);
  }

  /** Open targets on 127.0.0.1, ephemeral port, standard values, SBC block logical units, one portal group. */
  public static IscsiTargetConfig defaults() {
    return new IscsiTargetConfig(new InetSocketAddress("127.0.0.1", 0), DEFAULT_PREFIX, null,
        name -> TargetAccess.OPEN, TargetAccess.OPEN, NegotiationDefaults.standard(), 128,
        32 * 1024 * 1024, Duration.ofSeconds(10), Duration.ofSeconds(30), BlockLogicalUnit::new,
        PortGroups.SINGLE, null);
  }

  /** As {@link #defaults()} with another logical unit implementation (which ignores port groups). */
  public static IscsiTargetConfig defaults(Function<BlockDevice, LogicalUnit> logicalUnitFactory) {
    return defaults().withLogicalUnits((device, groups, shared) -> logicalUnitFactory.apply(device));
  }

  public IscsiTargetConfig withLogicalUnits(LogicalUnitFactory logicalUnitFactory) {
    return new IscsiTargetConfig(listen, targetNamePrefix, portalAddress, access, discoveryAccess,
        negotiation, commandWindow, maxTransferLength, nopInterval, nopTimeout,
        logicalUnitFactory, portGroups, sharedState);
  }

  /** Where each device's shared state lives (a cluster's metadata) instead of each unit's memory. */
  public IscsiTargetConfig withSharedState(SharedUnitState sharedState) {
    return new IscsiTargetConfig(listen, targetNamePrefix, portalAddress, access, discoveryAccess,
        negotiation, commandWindow, maxTransferLength, nopInterval, nopTimeout,
        logicalUnitFactory, portGroups, sharedState);
  }

  /** The paths to each device: a cluster node's port groups instead of the single local one. */
  public IscsiTargetConfig withPortGroups(PortGroups portGroups) {
    return new IscsiTargetConfig(listen, targetNamePrefix, portalAddress, access, discoveryAccess,
        negotiation, commandWindow, maxTransferLength, nopInterval, nopTimeout,
        logicalUnitFactory, portGroups, sharedState);
  }

  public IscsiTargetConfig withListen(InetSocketAddress listen) {
    return new IscsiTargetConfig(listen, targetNamePrefix, portalAddress, access, discoveryAccess,
        negotiation, commandWindow, maxTransferLength, nopInterval, nopTimeout,
        logicalUnitFactory, portGroups, sharedState);
  }

  public IscsiTargetConfig withAccess(
      Function<String, TargetAccess> access, TargetAccess discoveryAccess) {
    return new IscsiTargetConfig(listen, targetNamePrefix, portalAddress, access, discoveryAccess,
        negotiation, commandWindow, maxTransferLength, nopInterval, nopTimeout,
        logicalUnitFactory, portGroups, sharedState);
  }

  public IscsiTargetConfig withNegotiation(NegotiationDefaults negotiation) {
    return new IscsiTargetConfig(listen, targetNamePrefix, portalAddress, access, discoveryAccess,
        negotiation, commandWindow, maxTransferLength, nopInterval, nopTimeout,
        logicalUnitFactory, portGroups, sharedState);
  }

  public IscsiTargetConfig withNop(Duration nopInterval, Duration nopTimeout) {
    return new IscsiTargetConfig(listen, targetNamePrefix, portalAddress, access, discoveryAccess,
        negotiation, commandWindow, maxTransferLength, nopInterval, nopTimeout,
        logicalUnitFactory, portGroups, sharedState);
  }

  /** The device name for a target name, or null if the name is not one of ours. */
  /**
   * The device a target name serves. '@' (a snapshot's {@code NAME@SNAP}) is not allowed in an iSCSI
   * name, so a snapshot is served as {@code prefix + NAME:SNAP}; device names have no ':'.
   */
  public String deviceName(String targetName) {
    return targetName.startsWith(targetNamePrefix)
        ? targetName.substring(targetNamePrefix.length()).replace(':', '@') : null;
  }

  /** The target name serving a device; the inverse of {@link #deviceName}. */
  public String targetName(String deviceName) {
    return targetNamePrefix + deviceName.replace('@', ':');
  }
}
