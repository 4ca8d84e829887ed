package org.snipblock.cluster.membership;

import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jgroups.Address;
import org.jgroups.Message;
import org.jgroups.stack.Protocol;
import org.jgroups.util.MessageBatch;
import org.snipblock.block.DaemonThreads;
import org.snipblock.cluster.follow.LinkFaults;

/**
 * A test's link faults on the cluster channel (JGroups), right above the transport: no message goes
 * to a cut member, none from a cut member is taken in, and what comes in from a slowed member is
 * handed up only after the delay (in order: one timer, one constant delay). Members are named as
 * the channel names them, by endpoint "host:port", so a member that restarts stays cut. Multicasts
 * go down unfiltered: the receiving side of a partition drops them.
 */
final class LinkFilter extends Protocol {
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("link-faults"));
  private volatile LinkFaults.Members faults = new LinkFaults.Members(Set.of(), Set.of(), java.time.Duration.ZERO);

  void set(LinkFaults.Members next) {
    faults = next;
  }

  @Override
  public Object down(Message msg) {
    Address dest = msg.getDest();
    if (dest != null && faults.cut().contains(String.valueOf(dest))) {
      return null;
    }
    return down_prot.down(msg);
  }

  @Override
  public Object up(Message msg) {
    return deliver(String.valueOf(msg.getSrc()), () -> up_prot.up(msg));
  }

  @Override
  public void up(MessageBatch batch) {
    deliver(String.valueOf(batch.sender()), () -> {
      up_prot.up(batch);
      return null;
    });
  }

  /**
   * Passes what came from {@code from} up now (returning what the layer above returned), later (a
   * slow link) or never (a cut one).
   */
  private Object deliver(String from, java.util.function.Supplier<Object> up) {
    LinkFaults.Members f = faults;
    if (f.cut().contains(from)) {
      return null;
    }
    if (f.slow().contains(from)) {
      timer.schedule(up::get, f.delay().toNanos(), TimeUnit.NANOSECONDS);
      return null;
    }
    return up.get();
  }

  @Override
  public void destroy() {
    timer.shutdownNow();
    super.destroy();
  }
}
