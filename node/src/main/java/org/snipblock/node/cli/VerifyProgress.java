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
  private VerifyProgress() {}

  static VerifyVolumeResponse await(AdminClient client, String name, boolean repair, Progress progress) {
    CompletableFuture<VerifyVolumeResponse> report = CompletableFuture.supplyAsync(() -> client.verify(name, repair));
    String purpose = repair ? "scrub" : "verify";
    long total = 0;
    try {
      while (true) {
        try {
          VerifyVolumeResponse done = report.get(AskAgain.MILLIS, TimeUnit.MILLISECONDS);
          finished(client, name, purpose, total, progress);
          return done;
        } catch (TimeoutException stillRunning) {
          total = Math.max(total, show(client.show(name), purpose, true, progress));
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

  /**
   * The last line, whole, also when the pass ended before the first look (a small volume): a log
   * or a script then still sees how much was compared. Counted from the primary's record of the
   * pass just ended where no look saw it running.
   */
  private static void finished(AdminClient client, String name, String purpose, long seen, Progress progress) {
    Volume v = client.show(name);
    long total = seen > 0 ? seen : show(v, purpose, false, null);
    if (total > 0) {
      progress.update(total, total, total * v.getSnippetSize());
    }
  }

  /**
   * Snippets compared over all copies of the pass (running only, or also ended); bytes as snippets
   * times their size. Returns the snippets to compare; shown unless {@code progress} is null.
   */
  private static long show(Volume v, String purpose, boolean running, Progress progress) {
    long done = 0;
    long total = 0;
    for (Resync r : v.getReplication().getResyncsList()) {
      if ((r.getRunning() || !running) && r.getPurpose().equals(purpose)) {
        done += r.getSnippetsDone();
        total += r.getSnippetsTotal();
      }
    }
    if (total > 0 && progress != null) {
      progress.update(done, total, done * v.getSnippetSize());
    }
    return total;
  }
}
