package org.snipblock.cluster;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Function;
import org.snipblock.cluster.proto.CopyUnshared;
import org.snipblock.cluster.proto.MetaCommand;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.cluster.replica.ReplicaRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A copy of a clone made here without the parent's snapshot (see {@link LocalCopies}) goes on
 * record as unshared (volume show names it) and as stale, so the clone's primary copies it in
 * full; the primary's own copy never needs the copying.
 */
final class UnsharedCopies implements Consumer<VolumeRecord> {
  private static final Logger log = LoggerFactory.getLogger(UnsharedCopies.class);

  private final String selfId;
  private final Function<MetaCommand, CompletableFuture<Void>> commitAsync;
  private final ReplicaRegistry registry;

  UnsharedCopies(String selfId, Function<MetaCommand, CompletableFuture<Void>> commitAsync,
      ReplicaRegistry registry) {
    this.selfId = selfId;
    this.commitAsync = commitAsync;
    this.registry = registry;
  }

  @Override
  public void accept(VolumeRecord v) {
    commitAsync.apply(MetaCommand.newBuilder().setCopyUnshared(CopyUnshared.newBuilder()
        .setName(v.getName()).setNode(selfId)).build()).exceptionally(e -> null);
    if (!selfId.equals(v.getPrimary())) {
      registry.markStale(v.getName(), v.getEpoch(), selfId, true, List.of()).exceptionally(e -> {
        log.warn("volume {}: this copy could not be put on record as stale: {}", v.getName(), e.toString());
        return null;
      });
    }
  }
}
