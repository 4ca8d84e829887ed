package org.snipblock.cluster.meta;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Map;
import org.snipblock.cluster.proto.MetaCommand;
import org.snipblock.cluster.proto.MetaResult;
import org.snipblock.cluster.proto.NodeRecord;
import org.snipblock.cluster.proto.VolumeRecord;

/**
 * A power loss of the cluster's logical units: the whole cluster was down. Told by the processes a
 * committed membership view names (each start of a node is a new JGroups address): when none of
 * them is a process seen up before, no node stayed up in between. Then every volume's SCSI state
 * without APTPL is dropped (SPC-4 5.12.4: reservations and keys are lost with power unless the last
 * registration set APTPL); a state with APTPL stays.
 */
public final class PowerCycles {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(PowerCycles.class);

  private PowerCycles() {}

  static MetaResult viewSeen(MetaCommand cmd, MetadataState s) {
    Map<String, String> seen = cmd.getViewSeen().getIncarnationsMap();
    boolean anyStayedUp = s.nodes.values().stream().anyMatch(n -> !n.getIncarnation().isEmpty()
        && seen.containsValue(n.getIncarnation()));
    // Nodes not in the view keep the process last seen: a late, smaller view must not look like a power loss.
    for (NodeRecord n : new ArrayList<>(s.nodes.values())) {
      String process = seen.get(n.getMember());
      if (process != null && !process.equals(n.getIncarnation())) {
        s.nodes.put(n.getId(), n.toBuilder().setIncarnation(process).build());
      }
    }
    if (!anyStayedUp) {
      for (VolumeRecord v : new ArrayList<>(s.volumes.values())) {
        if (!v.getScsiState().isEmpty() && !v.getScsiStateAptpl()) {
          VolumeRecord dropped = s.store(v.toBuilder().clearScsiState()
              .setScsiStateVersion(v.getScsiStateVersion() + 1).build()).getVolume();
          s.alsoChanged.add(dropped);
        }
      }
      if (!s.alsoChanged.isEmpty()) {
        // Logged on every node as it applies the log (again when it replays it).
        log.info("no node stayed up since the last view on record (the whole cluster was down): dropped the "
            + "reservations without APTPL of {}", s.alsoChanged.stream().map(VolumeRecord::getName).toList());
      }
    }
    return MetadataState.ok();
  }

  /** Whether the nodes' records already name these processes (then a view need not be told again). */
  public static boolean known(Collection<NodeRecord> nodes, Map<String, String> incarnations) {
    return nodes.stream().filter(n -> incarnations.containsKey(n.getMember()))
        .allMatch(n -> n.getIncarnation().equals(incarnations.get(n.getMember())))
        && nodes.stream().map(NodeRecord::getMember).toList().containsAll(incarnations.keySet());
  }
}
