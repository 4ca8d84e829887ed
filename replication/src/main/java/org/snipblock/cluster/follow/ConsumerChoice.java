package org.snipblock.cluster.follow;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.snipblock.cluster.meta.StaleCopies;
import org.snipblock.cluster.proto.NodeRecord;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.cluster.topology.ConsumerPlace;
import org.snipblock.cluster.topology.Location;
import org.snipblock.store.VolumeAdminException;
import org.snipblock.store.VolumeAdminException.Reason;

/** Which copy of a volume is nearest where the volume is consumed. */
public final class ConsumerChoice {
  private ConsumerChoice() {}

  /**
   * Orders node ids by their distance from the volume's consumer (nearest first); every node is
   * equally near when the volume records no consumer.
   */
  public static Comparator<String> nearestFirst(VolumeRecord v, Function<String, Location> locationOf) {
    if (v.getConsumer().isEmpty()) {
      return Comparator.comparingInt(id -> 0);
    }
    ConsumerPlace consumer = ConsumerPlace.parse(v.getConsumer());
    return Comparator.comparingInt(id -> consumer.distance(locationOf.apply(id)));
  }

  /**
   * The node a planned handover toward the consumer should go to: a reachable holder of every
   * snippet whose copy is in sync, nearest the consumer (ties: by name). Refuses when the volume
   * records no consumer or when the primary is already as near as any such holder.
   */
  public static String handoverTarget(VolumeRecord v, List<NodeRecord> nodes, Set<String> view) {
    if (v.getConsumer().isEmpty()) {
      throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "volume " + v.getName() + " records no consumer: "
          + "name the new primary with --to NODE, or set one with volume set " + v.getName() + " --consumer SITE");
    }
    Function<String, Location> at = id -> nodes.stream().filter(n -> n.getId().equals(id)).findFirst()
        .map(n -> Location.parse(n.getLocation())).orElseThrow();
    ConsumerPlace consumer = ConsumerPlace.parse(v.getConsumer());
    Optional<NodeRecord> best = nodes.stream()
        .filter(n -> !n.getId().equals(v.getPrimary()) && view.contains(n.getMember()))
        .filter(n -> v.getSnippetsList().stream().allMatch(s -> s.getNodesList().contains(n.getId())))
        .filter(n -> !StaleCopies.anywhere(v, n.getId()))
        .min(Comparator.comparingInt((NodeRecord n) -> consumer.distance(Location.parse(n.getLocation())))
            .thenComparing(NodeRecord::getId));
    int here = consumer.distance(at.apply(v.getPrimary()));
    if (best.isEmpty() || consumer.distance(Location.parse(best.get().getLocation())) >= here) {
      throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "the primary " + v.getPrimary() + " of "
          + v.getName() + " is already as near its consumer " + v.getConsumer() + " as any reachable in-sync copy");
    }
    return best.get().getId();
  }
}
