package org.snipblock.iscsi.scsi;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

/** Small helpers to answer a command. */
final class Responses {
  private Responses() {}

  static final CompletableFuture<ScsiResponse> GOOD = CompletableFuture.completedFuture(ScsiResponse.good());

  static final CompletableFuture<ScsiResponse> RESERVATION_CONFLICT =
      CompletableFuture.completedFuture(ScsiResponse.status(ScsiResponse.RESERVATION_CONFLICT));

  /** GOOD with parameter data cut to the CDB's ALLOCATION LENGTH (SPC-4 4.2.5.6). */
  static CompletableFuture<ScsiResponse> data(byte[] full, long allocationLength) {
    int n = (int) Math.min(full.length, allocationLength);
    return CompletableFuture.completedFuture(ScsiResponse.good(ByteBuffer.wrap(full, 0, n).slice()));
  }

  static <T> CompletableFuture<T> fail(Sense sense) {
    return CompletableFuture.failedFuture(new CheckCondition(sense));
  }
}
