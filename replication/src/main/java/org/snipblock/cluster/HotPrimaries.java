package org.snipblock.cluster;

import java.util.Collection;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.snipblock.cluster.meta.StaleCopies;
import org.snipblock.cluster.proto.NodeRecord;
import org.snipblock.cluster.proto.StoreIoLoad;
import org.snipblock.cluster.proto.VolumeRecord;

/**
 * Relocation off a node over an I/O threshold that serves volumes as primary: a primary's client
 * reads and writes are most of what it serves, and they follow the primary, so such a node hands a
 * primary to an in-sync holder of every stripe on a calmer node ({@link PrimaryHandover}, as
 * {@code volume move-primary}) before it sheds copies. Without flapping:
 * <ul>
 *   <li>the taker must be calm: below half of each of its own I/O thresholds (the margin the
 *       automatic rebalance keeps, {@link RelocationThresholds#calm});
 *   <li>and must stay under its IOPS threshold with the volume's share of the hot node's load
 *       added (its IOPS split evenly over the volumes it serves as primary, an over-estimate, as it
 *       also counts the copies it applies): a volume hotter than any node may carry keeps its primary
 *       rather than being passed back and forth; relocation then sheds copies as before.
 * </ul>
 * The calmest taker (fewest IOPS) wins, ties by id; the volumes are tried by name.
 */
final class HotPrimaries {
  private HotPrimaries() {}

  /** A volume to hand over and its new primary. */
  record Handover(String volume, String to) {}

  /**
   * @param io        the hot node's own store I/O, freshly measured
   * @param reachable the ids of the nodes in this node's view
   */
  static Optional<Handover> choose(String self, StoreIoLoad io, Collection<VolumeRecord> volumes,
      Collection<NodeRecord> records, Set<String> reachable) {
    long served = volumes.stream().filter(v -> v.getPrimary().equals(self)).count();
    if (served == 0) {
      return Optional.empty();
    }
    double share = io.getIops() / served;
    Map<String, NodeRecord> byId = records.stream().collect(Collectors.toMap(NodeRecord::getId, Function.identity()));
    return volumes.stream().filter(v -> v.getPrimary().equals(self) && v.getMovingCount() == 0)
        .sorted(Comparator.comparing(VolumeRecord::getName))
        .flatMap(v -> byId.values().stream().filter(t -> !t.getId().equals(self) && reachable.contains(t.getId()))
            .filter(t -> mayTake(v, t, share))
            .min(Comparator.comparingDouble((NodeRecord t) -> t.getStoreIo().getIops()).thenComparing(NodeRecord::getId))
            .map(t -> new Handover(v.getName(), t.getId())).stream())
        .findFirst();
  }

  private static boolean mayTake(VolumeRecord v, NodeRecord t, double share) {
    boolean holdsAll = v.getSnippetsList().stream().allMatch(s -> s.getNodesList().contains(t.getId()));
    StoreIoLoad load = t.getStoreIo();
    return holdsAll && !StaleCopies.anywhere(v, t.getId()) && t.getDrainState().isEmpty()
        && RelocationThresholds.over(t, 0, load) == null && !RelocationThresholds.warm(t, load)
        && (t.getIopsThreshold() == 0 || load.getIops() + share <= t.getIopsThreshold());
  }
}
