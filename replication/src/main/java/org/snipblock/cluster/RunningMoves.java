package org.snipblock.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.snipblock.cluster.meta.ClusterMetadata;
import org.snipblock.cluster.meta.Stripes;
import org.snipblock.cluster.proto.CopyMoving;
import org.snipblock.cluster.proto.MoveProgress;
import org.snipblock.cluster.proto.NodeRecord;
import org.snipblock.cluster.proto.SnippetPlacement;
import org.snipblock.cluster.proto.VolumeRecord;

/**
 * The copy moves under way as operators see them ({@code volume show}, {@code cluster status},
 * {@code cluster moves}, a drain's progress), the same on every node: each from the volume's record,
 * with how far the primary's resync of the target has got as the primary last reported it
 * ({@link MoveProgressReports}).
 */
public final class RunningMoves {
  private RunningMoves() {}

  /** Every move under way in the cluster, volume by volume. */
  public static List<ClusterStatus.Move> all(ClusterMetadata metadata) {
    List<ClusterStatus.Move> out = new ArrayList<>();
    metadata.volumes().forEach(v -> out.addAll(of(v, metadata)));
    return out;
  }

  /** The moves of one volume under way. */
  public static List<ClusterStatus.Move> of(VolumeRecord v, ClusterMetadata metadata) {
    List<MoveProgress> reported = metadata.node(v.getPrimary()).map(NodeRecord::getMoveProgressList)
        .orElse(List.of());
    List<ClusterStatus.Move> out = new ArrayList<>();
    for (CopyMoving c : v.getMovingList()) {
      int stripe = (int) c.getSnippet();
      boolean placed = stripe >= 0 && stripe < v.getSnippetsCount();
      SnippetPlacement s = placed ? v.getSnippets(stripe) : SnippetPlacement.getDefaultInstance();
      boolean inSync = s.getNodesList().contains(c.getTo()) && !s.getStaleList().contains(c.getTo());
      Optional<ClusterStatus.Progress> progress = reported.stream()
          .filter(p -> p.getVolume().equals(v.getName()) && p.getSnippet() == c.getSnippet()
              && p.getTo().equals(c.getTo()))
          .findFirst().map(p -> new ClusterStatus.Progress(p.getSnippetsDone(), p.getSnippetsTotal(),
              p.getBytesCopied(), p.getMeasuredAtMillis()));
      out.add(new ClusterStatus.Move(v.getName(), c.getSnippet(), c.getFrom(), c.getTo(), c.getStartedMillis(),
          placed ? Stripes.snippetCount(v, stripe) : 0, inSync, progress.orElse(null)));
    }
    return out;
  }
}
