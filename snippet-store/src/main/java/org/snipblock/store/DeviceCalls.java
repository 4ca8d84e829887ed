package org.snipblock.store;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;
import org.snipblock.block.BlockDeviceException;
import org.snipblock.block.BlockDeviceException.Kind;

/**
 * Where a device call runs, on the caller's thread or on the store's I/O threads, admitted to
 * the volume (so a delete waits for it) and with every failure turned into a device error.
 */
final class DeviceCalls {
  interface IoCall<T> {
    T call() throws Exception;
  }

  private final SnippetStore store;
  private final Volume volume;
  private final Supplier<BlockDeviceException> gone;

  DeviceCalls(SnippetStore store, Volume volume, Supplier<BlockDeviceException> gone) {
    this.store = store;
    this.volume = volume;
    this.gone = gone;
  }

  /**
   * Runs {@code call} on the caller's thread: a done future, or null when the store or the volume
   * is going away (the usual way then reports why).
   */
  CompletableFuture<Void> inline(IoCall<Void> call) {
    if (store.abandoned() || !volume.enter()) {
      return null;
    }
    try {
      return CompletableFuture.completedFuture(call.call());
    } catch (Throwable e) {
      return CompletableFuture.failedFuture(asDeviceError(e));
    } finally {
      volume.exit();
    }
  }

  <T> CompletableFuture<T> onIoThread(IoCall<T> call) {
    CompletableFuture<T> out = new CompletableFuture<>();
    try {
      store.io().execute(() -> {
        if (store.abandoned()) {
          out.completeExceptionally(new BlockDeviceException(Kind.UNAVAILABLE, "store is closed"));
          return;
        }
        if (!volume.enter()) {
          out.completeExceptionally(gone.get());
          return;
        }
        try {
          out.complete(call.call());
        } catch (Throwable e) {
          out.completeExceptionally(asDeviceError(e));
        } finally {
          volume.exit();
        }
      });
    } catch (RejectedExecutionException e) {
      out.completeExceptionally(new BlockDeviceException(Kind.UNAVAILABLE, "store is closed"));
    }
    return out;
  }

  static Throwable unwrap(Throwable e) {
    return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
  }

  static BlockDeviceException asDeviceError(Throwable e) {
    Throwable t = unwrap(e);
    if (t instanceof BlockDeviceException b) {
      return b;
    }
    return new BlockDeviceException(Kind.IO_ERROR, "storage failure: " + t, t);
  }
}
