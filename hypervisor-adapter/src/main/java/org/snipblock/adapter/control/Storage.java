package org.snipblock.adapter.control;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.snipblock.adapter.placement.StorageCloseness;
import org.snipblock.adapter.records.AdminNodes;
import org.snipblock.cluster.topology.Location;
import org.snipblock.node.admin.v1.ClusterNodeStatus;
import org.snipblock.node.admin.v1.ClusterStatusResponse;
import org.snipblock.node.admin.v1.RttRow;
import org.snipblock.node.admin.v1.SetVolumeAccessRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The volume operations tasks need, each harmless when repeated (create what is missing, delete what is there). */
final class Storage {
  private static final Logger log = LoggerFactory.getLogger(Storage.class);
  private final AdminNodes admin;

  Storage(AdminNodes admin) {
    this.admin = admin;
  }

  boolean exists(String volume) {
    return shown(volume).isPresent();
  }

  /** The volume as the cluster shows it, or empty if there is none of that name. */
  private java.util.Optional<org.snipblock.node.admin.v1.Volume> shown(String volume) {
    try {
      return java.util.Optional.of(admin.call(c -> c.show(volume)));
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        return java.util.Optional.empty();
      }
      throw e;
    }
  }

  /** A copy-on-write clone of {@code template@snapshot}, grown to {@code size}. */
  void cloneOf(String template, String snapshot, String volume, long size) {
    if (!exists(volume)) {
      admin.call(c -> c.cloneVolume(template, snapshot, volume, size));
    }
  }

  void create(String volume, long size) {
    if (!exists(volume)) {
      admin.call(c -> c.create(volume, size, 0, 0, false));
    }
  }

  void delete(String volume) {
    if (exists(volume)) {
      admin.call(c -> {
        c.delete(volume);
        return null;
      });
    }
  }

  /**
   * Makes a volume follow its VM into {@code site} ({@code volume migrate --to-site}, asked of its
   * primary among the admin nodes): copies there, catch-up, sync, primary there. A volume whose
   * primary is there already is left as it is. Returns the steps the primary reported. Which
   * refusals only mean "not yet" is the caller's to judge ({@link FollowWait}).
   */
  List<String> follow(String volume, String site) {
    try {
      return admin.callUntil(c -> c.migrate(volume, site, 0), e -> e.getStatus().getDescription() != null
          && e.getStatus().getDescription().contains("is not the primary of")).getStepsList();
    } catch (StatusRuntimeException e) {
      String why = e.getStatus().getDescription();
      if (why != null && why.contains("already is in site " + site)) {
        return List.of("primary already in site " + site);
      }
      throw e;
    }
  }

  /** Lets {@code allow} in and shuts {@code revoke} out of every door, on every volume (one call each). */
  void access(List<String> volumes, String allow, String revoke) {
    for (String v : volumes) {
      SetVolumeAccessRequest.Builder r = SetVolumeAccessRequest.newBuilder().setVolume(v);
      if (allow != null) {
        r.addAllowInitiators(allow);
      }
      if (revoke != null && !revoke.equals(allow)) {
        r.addRevokeInitiators(revoke);
      }
      admin.call(c -> c.setVolumeAccess(r.build()));
    }
  }

  /**
   * Where the primaries of {@code volumes} are and the round trips the cluster measured, for
   * placing a VM near its storage. Volumes that do not exist (yet) or have no primary (a standalone
   * node) add nothing; if the cluster cannot say, placement goes without it.
   */
  StorageCloseness closeness(List<String> volumes) {
    try {
      Set<String> primaries = new HashSet<>();
      for (String v : volumes) {
        shown(v).map(vol -> vol.getReplication().getPrimary()).filter(p -> !p.isEmpty()).ifPresent(primaries::add);
      }
      if (primaries.isEmpty()) {
        return StorageCloseness.NONE;
      }
      ClusterStatusResponse status = admin.call(c -> c.clusterStatus());
      Map<String, Location> nodes = new HashMap<>();
      for (ClusterNodeStatus n : status.getNodesList()) {
        if (!n.getLocation().isEmpty()) {
          nodes.put(n.getId(), Location.parse(n.getLocation()));
        }
      }
      Map<String, Map<String, Double>> rtt = new HashMap<>();
      for (RttRow row : status.getRttList()) {
        rtt.put(row.getFrom(), row.getMillisToMap());
      }
      return new StorageCloseness(nodes, rtt, primaries);
    } catch (StatusRuntimeException | IllegalArgumentException e) {
      log.info("placing without the storage's round trips: {}", e.getMessage());
      return StorageCloseness.NONE;
    }
  }
}
