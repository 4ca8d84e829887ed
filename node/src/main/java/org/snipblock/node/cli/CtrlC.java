package org.snipblock.node.cli;

import java.io.PrintWriter;

/**
 * Ctrl-C during a command that waits on work the nodes do: the JVM ends at once (its shutdown hooks
 * run, nothing below them unwinds), and the work goes on on the nodes. Registered for the wait
 * only, this says so as the command's last line on stderr, so the operator does not think the
 * work stopped with it. A command that returns normally removes it and prints nothing.
 */
final class CtrlC implements AutoCloseable {
  private final Thread hook;

  private CtrlC(Thread hook) {
    this.hook = hook;
  }

  /** @param what what goes on, e.g. "the flatten of web7 goes on on the nodes (volume show web7)" */
  static CtrlC leavesRunning(PrintWriter err, String what) {
    Thread hook = new Thread(() -> {
      // A progress bar may hold the line: start a fresh one.
      err.println();
      err.println("snipblock: interrupted; " + what);
      err.flush();
    }, "ctrl-c");
    Runtime.getRuntime().addShutdownHook(hook);
    return new CtrlC(hook);
  }

  @Override
  public void close() {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // The JVM is ending: the hook runs and says what goes on.
    }
  }
}
