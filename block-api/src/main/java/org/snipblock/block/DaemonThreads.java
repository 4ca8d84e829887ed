package org.snipblock.block;

import java.util.concurrent.ThreadFactory;

/**
 * The one thread factory of the node's background executors. Here, below every module, so the
 * replication's lower packages (doors, replicas, membership) use it without depending on the
 * cluster package above them.
 */
public final class DaemonThreads {
  private DaemonThreads() {}

  /**
   * Daemon threads, so that none keeps a JVM alive that has nothing else to do (a node closes its
   * executors itself); all of one name, which should say whose they are where several nodes share
   * a JVM (tests).
   */
  public static ThreadFactory named(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }
}
