package org.snipblock.node.cli;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.snipblock.node.OperatorError;
import org.snipblock.node.admin.AdminClient;
import org.snipblock.node.admin.v1.Resync;
import org.snipblock.node.admin.v1.Volume;
import org.snipblock.node.admin.v1.VerifyVolumeResponse;

/**
 * Waits for a verify or scrub's report while showing how far it got: the node answers only when
 * every copy is compared, but reports each copy's snippets compared in {@code volume show}.
 */
final class VerifyProgress {
  private static final long LOOK_MILLIS = 500;

  private VerifyProgress() {}

  static VerifyVolumeResponse await(AdminClient client, String name, boolean repair, Progress progress) {
    CompletableFuture<VerifyVolumeResponse> report = CompletableFuture.supplyAsync(() -> client.verify(name, repair));
    String purpose = repair ? "scrub" : "verify";
    try {
      while (true) {
        try {
          return report.get(LOOK_MILLIS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException stillRunning) {
          show(client.show(name), purpose, progress);
        }
      }
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new OperatorError("interrupted; the " + purpose + " of " + name + " goes on on the node");
    } finally {
      progress.finish();
    }
  }

  /** Snippets compared over all copies of the running pass; bytes as snippets times their size. */
  private static void show(Volume v, String purpose, Progress progress) {
    long done = 0;
    long total = 0;
    for (Resync r : v.getReplication().getResyncsList()) {
      if (r.getRunning() && r.getPurpose().equals(purpose)) {
        done += r.getSnippetsDone();
        total += r.getSnippetsTotal();
      }
    }
    if (total > 0) {
      progress.update(done, total, done * v.getSnippetSize());
    }
  }
}
