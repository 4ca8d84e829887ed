package org.snipblock.node.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.snipblock.node.OperatorError;
import org.snipblock.node.config.NodeConfig;
import org.snipblock.node.daemon.Node;
import org.snipblock.node.daemon.NodeLauncher;
import org.snipblock.node.logging.LogFormat;

/** Runs a node in the foreground until the process is told to stop (SIGTERM, SIGINT). */
final class Daemon {
  private Daemon() {}

  /**
   * Starts the node logging in {@code logFormat}, calls {@code onReady}, and returns once a signal
   * has shut it down gracefully.
   */
  static int serveUntilStopped(NodeConfig config, LogFormat logFormat, Consumer<Node> onReady) {
    logFormat.apply(config.nodeId());
    AtomicReference<Node> node = new AtomicReference<>();
    CountDownLatch stopped = new CountDownLatch(1);
    // Registered before start, so a signal during start-up still closes what has started.
    Thread hook = new Thread(() -> {
      Node n = node.get();
      if (n != null) {
        n.close();
      }
      stopped.countDown();
    }, "snipblock-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      node.set(NodeLauncher.launch(config));
    } catch (RuntimeException e) {
      Runtime.getRuntime().removeShutdownHook(hook);
      throw e;
    }
    onReady.accept(node.get());
    // A cluster that refuses this node for good (removed, id taken) ends the process with that reason.
    AtomicReference<Throwable> refused = new AtomicReference<>();
    node.get().registration().whenComplete((ok, e) -> {
      if (e != null) {
        refused.set(e);
        stopped.countDown();
      }
    });
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (refused.get() != null) {
      Runtime.getRuntime().removeShutdownHook(hook);
      node.get().close();
      throw new OperatorError("the cluster refuses this node: " + refused.get().getMessage(), refused.get());
    }
    return 0;
  }
}
