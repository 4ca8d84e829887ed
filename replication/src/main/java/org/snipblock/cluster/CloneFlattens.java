package org.snipblock.cluster;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.snipblock.block.DaemonThreads;
import org.snipblock.cluster.meta.Flattening;
import org.snipblock.cluster.proto.CloneFlattened;
import org.snipblock.cluster.proto.FlattenClone;
import org.snipblock.cluster.proto.MetaCommand;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.store.SnapshotManager;
import org.snipblock.store.VolumeAdminException;
import org.snipblock.store.VolumeAdminException.Reason;
import org.snipblock.store.VolumeInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Flattening clustered clones. {@code volume flatten} puts the clone on record as flattening; then
 * every holder (checked each care round, so a holder that was down or restarted mid-way does it
 * when it is back) flattens its own copy in the background, copying what it still reads from its
 * own copy of the parent's snapshot (the same on every copy), throttled by the store's background
 * rate, and reports. The last report drops the parent link cluster-wide, and only then may the
 * parent's snapshot be deleted; a holder whose copy was made in full reports at once.
 */
final class CloneFlattens implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CloneFlattens.class);

  private final ClusterNode node;
  private final Set<String> running = ConcurrentHashMap.newKeySet();
  // Reports are commits, which wait for a majority: not on the care timer or a store thread.
  private final ExecutorService reporter;

  CloneFlattens(ClusterNode node) {
    this.node = node;
    this.reporter = Executors.newSingleThreadExecutor(DaemonThreads.named("clone-flattens-" + node.nodeId()));
  }

  /** Starts flattening a clustered clone on every holder; refused (nothing changed) if it is no clone or already flattening. */
  VolumeRecord start(String volume) {
    return node.commit(MetaCommand.newBuilder().setFlattenClone(FlattenClone.newBuilder().setName(volume)).build());
  }

  /** One care round: flattens this node's copies that the metadata asks for and this node has not reported. */
  void care() {
    for (VolumeRecord v : node.metadata().volumes()) {
      if (!v.getFlattening()) {
        continue;
      }
      List<String> waiting = Flattening.waitingFor(v);
      // Every holder left has reported (one that had not was moved away since): the primary closes it.
      boolean closeIt = waiting.isEmpty() && node.nodeId().equals(v.getPrimary());
      if ((closeIt || waiting.contains(node.nodeId())) && running.add(v.getName())) {
        try {
          if (closeIt) {
            report(v.getName());
          } else {
            flattenHere(v.getName());
          }
        } catch (RuntimeException e) {
          running.remove(v.getName());
          log.warn("volume {}: flattening this node's copy failed, tried again later: {}", v.getName(), e.getMessage());
        }
      }
    }
  }

  private void flattenHere(String name) {
    Optional<VolumeInfo> here = node.local().show(name);
    if (here.isEmpty()) {
      running.remove(name); // the copy is not made yet: the next round
      return;
    }
    if (here.get().parent() == null) {
      report(name);
      return;
    }
    if (!(node.local() instanceof SnapshotManager m)) {
      throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "this node's store keeps no clones");
    }
    log.info("volume {}: flattening this node's copy (a clone of {})", name, here.get().parent());
    m.flatten(name).whenComplete((x, e) -> {
      if (e != null) {
        running.remove(name);
        log.warn("volume {}: flattening this node's copy stopped, tried again later: {}", name, e.getMessage());
      } else {
        report(name);
      }
    });
  }

  private void report(String name) {
    reporter.execute(() -> {
      try {
        node.commit(MetaCommand.newBuilder().setCloneFlattened(CloneFlattened.newBuilder().setName(name)
            .setNode(node.nodeId())).build());
        log.info("volume {}: this node's copy reads nothing from the parent any more", name);
      } catch (RuntimeException e) {
        log.warn("volume {}: reporting the flatten failed, tried again later: {}", name, e.getMessage());
      } finally {
        running.remove(name);
      }
    });
  }

  @Override
  public void close() {
    reporter.shutdownNow();
  }
}
