package org.snipblock.cluster;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.snipblock.block.DaemonThreads;

/**
 * A cluster node's own threads, daemons named for the node (several nodes share a JVM in tests):
 * the worker that reconciles local copies and primaries one change at a time, the timer of the
 * periodic rounds, and the committers that take metadata commits off gRPC and raft threads.
 */
final class NodeThreads {
  final ExecutorService worker;
  final ScheduledExecutorService timer;
  final ExecutorService committer;

  NodeThreads(String nodeId) {
    worker = Executors.newSingleThreadExecutor(DaemonThreads.named("cluster-worker-" + nodeId));
    timer = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("cluster-timer-" + nodeId));
    committer = Executors.newFixedThreadPool(2, DaemonThreads.named("cluster-commit-" + nodeId));
  }

  /** Lets the reconciles already queued finish, for up to five seconds. */
  void finishWork() {
    worker.shutdown();
    try {
      worker.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
