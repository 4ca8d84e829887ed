package org.snipblock.cluster;

import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.snipblock.block.DaemonThreads;
import org.snipblock.cluster.meta.PowerCycles;
import org.snipblock.cluster.proto.MetaCommand;
import org.snipblock.cluster.proto.ViewSeen;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the metadata which processes the membership view holds, once a second until the records
 * name them (a view seen just after a start often finds no raft leader yet), so that
 * {@link PowerCycles} can tell a whole-cluster restart from nodes restarting one by one.
 */
public final class PowerOnWatch implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PowerOnWatch.class);

  private final ClusterNode node;
  private final ScheduledExecutorService timer;

  private PowerOnWatch(ClusterNode node) {
    this.node = node;
    this.timer = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("power-on-" + node.nodeId()));
  }

  public static PowerOnWatch start(ClusterNode node) {
    PowerOnWatch w = new PowerOnWatch(node);
    w.timer.scheduleWithFixedDelay(w::tick, 1, 1, TimeUnit.SECONDS);
    return w;
  }

  private void tick() {
    Map<String, String> incarnations = node.membership().incarnations();
    if (incarnations.isEmpty() || !node.inMajority() || PowerCycles.known(node.metadata().nodes(), incarnations)) {
      return;
    }
    try {
      node.commit(MetaCommand.newBuilder().setViewSeen(ViewSeen.newBuilder().putAllIncarnations(incarnations)).build());
    } catch (RuntimeException e) {
      log.debug("view {} not yet on record: {}", incarnations.keySet(), e.toString());
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
