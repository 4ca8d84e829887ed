package org.snipblock.cluster;

import java.util.function.BooleanSupplier;
import org.snipblock.cluster.meta.ClusterMetadata;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.cluster.replica.EpochAuthority;

/** The replicas' and primaries' authority on epochs: this node's copy of the metadata, and its majority. */
final class MetadataEpochs implements EpochAuthority {
  private final ClusterMetadata metadata;
  private final BooleanSupplier inMajority;

  MetadataEpochs(ClusterMetadata metadata, BooleanSupplier inMajority) {
    this.metadata = metadata;
    this.inMajority = inMajority;
  }

  @Override
  public long epoch(String volume) {
    return metadata.volume(volume).map(VolumeRecord::getEpoch).orElse(0L);
  }

  @Override
  public boolean inMajority() {
    return inMajority.getAsBoolean();
  }

  @Override
  public long uid(String volume) {
    return metadata.volume(volume).map(VolumeRecord::getUid).orElse(0L);
  }
}
