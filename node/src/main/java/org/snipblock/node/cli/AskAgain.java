package org.snipblock.node.cli;

import java.util.concurrent.TimeUnit;
import org.snipblock.node.OperatorError;

/**
 * How often a command that follows work on the nodes (a drain, a rebalance, a flatten, a verify,
 * copies catching up) asks for its progress: often enough that the operator sees it move, seldom
 * enough to cost the node nothing.
 */
final class AskAgain {
  static final long MILLIS = 500;

  private AskAgain() {}

  /** Waits until the next ask; Ctrl-C's interrupt ends the command (the work goes on on the nodes). */
  static void pause() {
    try {
      // An operator's command polling the node's progress, not a test: a plain pause between asks.
      TimeUnit.MILLISECONDS.sleep(MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new OperatorError("interrupted");
    }
  }
}
