package org.snipblock.node.admin;

import org.snipblock.node.admin.v1.BackgroundState;
import org.snipblock.store.qos.BackgroundBudget;

/** A node's background budget as {@code snipblock status} and {@code cluster status} show it. */
public final class BackgroundMessages {
  private BackgroundMessages() {}

  public static BackgroundState of(BackgroundBudget.State s) {
    return BackgroundState.newBuilder().setRateBytesPerSecond(s.rateBytesPerSecond())
        .setFloorBytesPerSecond(s.floorBytesPerSecond()).setMaxBytesPerSecond(s.maxBytesPerSecond())
        .setActive(s.active()).setClientsBusy(s.clientsBusy()).setWaiting(s.waiting())
        .setGrantedBytes(s.grantedBytes()).build();
  }
}
