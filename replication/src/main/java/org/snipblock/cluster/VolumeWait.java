package org.snipblock.cluster;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import org.snipblock.cluster.meta.ClusterMetadata;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.store.VolumeAdminException;
import org.snipblock.store.VolumeAdminException.Reason;

/** Waits, bounded, until this node's copy of the metadata shows a volume in a wanted state. */
final class VolumeWait {
  private VolumeWait() {}

  /** Returns the record that satisfied {@code wanted}; FAILED_PRECONDITION naming {@code what} on timeout. */
  static VolumeRecord until(ClusterMetadata metadata, String volume, Predicate<VolumeRecord> wanted, Duration timeout,
      String what) {
    CompletableFuture<VolumeRecord> done = new CompletableFuture<>();
    Runnable stop = metadata.onVolumeChange(v -> {
      if (v.getName().equals(volume)) {
        metadata.volume(volume).filter(wanted).ifPresent(done::complete);
      }
    });
    try {
      metadata.volume(volume).filter(wanted).ifPresent(done::complete);
      if (metadata.volume(volume).isEmpty()) {
        throw new VolumeAdminException(Reason.NOT_FOUND, "volume " + volume + " was deleted while waiting for " + what);
      }
      return done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "volume " + volume + ": " + what + " did not happen within "
          + timeout.toSeconds() + " s");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new VolumeAdminException(Reason.INTERNAL, "interrupted waiting for " + what);
    } catch (ExecutionException e) {
      throw new VolumeAdminException(Reason.INTERNAL, "waiting for " + what + " failed: " + e.getCause(), e);
    } finally {
      stop.run();
    }
  }
}
