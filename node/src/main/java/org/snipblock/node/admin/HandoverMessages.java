package org.snipblock.node.admin;

import org.snipblock.cluster.PrimaryHandover;
import org.snipblock.node.admin.v1.MovePrimaryResponse;

/** A planned primary handover as the admin API answers it. */
final class HandoverMessages {
  private HandoverMessages() {}

  static MovePrimaryResponse of(PrimaryHandover.Result r) {
    return MovePrimaryResponse.newBuilder().setVolume(r.volume()).setFrom(r.from()).setTo(r.to())
        .setEpoch(r.epoch()).setPauseMillis(r.pause().toNanos() / 1e6).addAllResyncing(r.resyncing()).build();
  }
}
