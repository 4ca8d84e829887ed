package org.snipblock.node.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.snipblock.node.OperatorError;
import org.snipblock.node.admin.AdminClient;
import org.snipblock.node.admin.v1.Replication;
import org.snipblock.node.admin.v1.Resync;
import org.snipblock.node.admin.v1.Volume;

/**
 * {@code volume set --wait}: runs the change (which may itself wait on the node, as a copies change
 * does) while watching the volume until every copy is in sync, showing the primary's resyncs as they
 * go (snippets brought in line, as bytes, of those the running resyncs cover). The copies are in
 * sync when none is stale or unreachable, no resync runs, no copy is on its way to another node,
 * and (where the asked node is the primary and can tell) nothing is left unacknowledged.
 */
final class InSyncWait {
  private InSyncWait() {}

  /** @param change the change itself, run beside the watching; its answer is returned */
  static <T> T await(AdminClient client, String name, Supplier<T> change, Progress progress, Duration timeout) {
    CompletableFuture<T> answer = CompletableFuture.supplyAsync(change);
    long deadline = System.nanoTime() + timeout.toNanos();
    // Per holder, the most snippets its resyncs covered: the holders' resyncs need not overlap in
    // time, so the running ones at any one look may cover only part of what was brought in line.
    Map<String, Long> covered = new HashMap<>();
    try {
      while (true) {
        T done = null;
        try {
          done = answer.get(AskAgain.MILLIS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException stillRunning) {
          // the change waits on the node; watch the copies meanwhile
        }
        Volume v = client.show(name);
        long[] shown = show(v, progress, covered);
        List<String> missing = outOfSync(v.getReplication(), shown[1] > 0);
        if (answer.isDone() && missing.isEmpty()) {
          long total = covered.values().stream().mapToLong(Long::longValue).sum();
          if (total > 0) {
            long bytes = total * v.getSnippetSize();
            progress.update(bytes, bytes, bytes);
          }
          return done != null ? done : answer.join();
        }
        if (System.nanoTime() > deadline) {
          throw new OperatorError("the copies of " + name + " are not in sync after " + timeout.toSeconds()
              + " s (the work goes on): " + String.join(", ", missing));
        }
        if (answer.isDone()) {
          // The change is answered; the copies are still catching up: look again a little later.
          TimeUnit.MILLISECONDS.sleep(AskAgain.MILLIS);
        }
      }
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new OperatorError("interrupted; the copies of " + name + " go on catching up on the nodes");
    } finally {
      progress.finish();
    }
  }

  /** What keeps the copies from being in sync, for the wait and for the message when it times out. */
  static List<String> outOfSync(Replication r, boolean resyncing) {
    List<String> why = new ArrayList<>();
    if (r.getStaleCount() > 0) {
      why.add("stale on " + String.join(", ", r.getStaleList()));
    }
    if (r.getUnreachableCount() > 0) {
      why.add("unreachable " + String.join(", ", r.getUnreachableList()));
    }
    if (resyncing) {
      why.add("resync running");
    }
    if (r.getMovingCount() > 0) {
      why.add(r.getMovingCount() + " copy move(s) under way");
    }
    if (r.getLagBytes() > 0) {
      why.add(r.getLagBytes() + " bytes unacknowledged");
    }
    return why;
  }

  /**
   * Shows the running resyncs' progress; {snippets done, snippets total} over them. Notes in
   * {@code covered} the most snippets each holder's resyncs covered.
   */
  private static long[] show(Volume v, Progress progress, Map<String, Long> covered) {
    long done = 0;
    long total = 0;
    for (Resync r : v.getReplication().getResyncsList()) {
      if (r.getRunning() && r.getPurpose().equals("resync")) {
        done += r.getSnippetsDone();
        total += r.getSnippetsTotal();
        covered.merge(r.getNode(), r.getSnippetsTotal(), Math::max);
      }
    }
    if (total > 0) {
      long size = v.getSnippetSize();
      progress.update(done * size, total * size, done * size);
    }
    return new long[] {done, total};
  }
}
