package org.snipblock.node.cli;

import java.util.concurrent.TimeUnit;
import org.snipblock.node.OperatorError;
import org.snipblock.node.admin.AdminClient;
import org.snipblock.node.admin.v1.Resync;
import org.snipblock.node.admin.v1.Volume;

/**
 * Waits until a clone no longer reads from its parent (on a cluster: every holder's copy flattened
 * and the link dropped) while showing the asked node's own copy's progress; the flatten itself
 * runs on the nodes, so an interrupted wait leaves it going.
 */
final class FlattenProgress {
  private FlattenProgress() {}

  static Volume await(AdminClient client, Volume started, Progress progress) {
    String name = started.getName();
    Volume v = started;
    try {
      while (!v.getParent().isEmpty()) {
        Resync f = v.getFlatten();
        if (!f.getFailure().isEmpty()) {
          throw new OperatorError("the flatten of " + name + " failed: " + f.getFailure());
        }
        if (f.getSnippetsTotal() > 0) {
          progress.update(f.getSnippetsDone(), f.getSnippetsTotal(), f.getBytesCopied());
        }
        // The node answers state, not events: look again a little later.
        TimeUnit.MILLISECONDS.sleep(AskAgain.MILLIS);
        v = client.show(name);
      }
      return v;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new OperatorError("interrupted; the flatten of " + name + " goes on on the node");
    } finally {
      progress.finish();
    }
  }
}
