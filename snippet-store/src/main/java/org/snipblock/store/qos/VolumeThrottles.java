package org.snipblock.store.qos;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * One node's throttles, one per budget ({@link QosSetting#budget()}: a volume's own, or a
 * group's), so that every handle and door of a volume on this node, a primary's device reopened
 * after a rollback, and every member of a group share one set of buckets; and all of them one
 * {@link LimitedFirst}, so that limited volumes take precedence over unlimited ones on the node,
 * and one {@link ClientLoad}, which the node's background work yields to.
 */
public final class VolumeThrottles implements AutoCloseable {
  private final SchedulerTimer timer;
  private final LimitedFirst first;
  private final ClientLoad clients;
  private final Map<String, VolumeThrottle> throttles = new ConcurrentHashMap<>();

  /** @param clients where the throttles count the node's outstanding client requests (its {@link BackgroundBudget}'s) */
  public VolumeThrottles(String nodeId, ClientLoad clients) {
    this.timer = new SchedulerTimer(nodeId);
    this.first = new LimitedFirst(timer);
    this.clients = clients;
  }

  /** The budget's throttle, made with {@code limits} the first time it is asked for. */
  public VolumeThrottle of(String budget, Supplier<QosLimits> limits) {
    VolumeThrottle t = throttles.get(budget);
    if (t != null) {
      return t;
    }
    return throttles.computeIfAbsent(budget, b -> {
      VolumeThrottle made = new VolumeThrottle(timer, first, clients);
      made.configure(limits.get());
      return made;
    });
  }

  /** The budget's throttle if this node has made one. */
  public Optional<VolumeThrottle> existing(String budget) {
    return Optional.ofNullable(throttles.get(budget));
  }

  /** Applies the budgets' limits, at once; a throttle whose budget nobody spends any more is dropped (its waiters go). */
  public void apply(Map<String, QosLimits> budgets) {
    throttles.forEach((budget, t) -> {
      QosLimits limits = budgets.get(budget);
      if (limits == null) {
        throttles.remove(budget, t);
        t.releaseAll();
      } else {
        t.configure(limits);
      }
    });
  }

  @Override
  public void close() {
    throttles.values().forEach(VolumeThrottle::releaseAll);
    timer.close();
  }
}
