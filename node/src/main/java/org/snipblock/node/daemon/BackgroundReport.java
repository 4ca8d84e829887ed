package org.snipblock.node.daemon;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.ToDoubleFunction;
import org.snipblock.store.qos.BackgroundBudget;

/** The node's background budget in the Prometheus exposition (status messages: {@code BackgroundMessages}). */
final class BackgroundReport {
  private BackgroundReport() {}

  /** Gauges read at each scrape, and the bytes granted as a counter. */
  static void register(MeterRegistry registry, BackgroundBudget budget) {
    gauge(registry, budget, "snipblock.background.rate.bytes",
        "bytes per second the node's background work (resync, scrub, flatten) may move now", s -> s.rateBytesPerSecond());
    gauge(registry, budget, "snipblock.background.floor.bytes",
        "the lowest rate of the node's background work, however busy its clients", s -> s.floorBytesPerSecond());
    gauge(registry, budget, "snipblock.background.max.bytes",
        "the rate of the node's background work while its clients are idle (0 = no cap)", s -> s.maxBytesPerSecond());
    gauge(registry, budget, "snipblock.background.waiting",
        "pieces of background jobs waiting for the budget (at most one per job)", s -> s.waiting());
    gauge(registry, budget, "snipblock.background.clients.busy",
        "1 while the node's clients keep requests outstanding, so background work yields", s -> s.clientsBusy() ? 1 : 0);
    FunctionCounter.builder("snipblock.background.granted.bytes", budget, b -> b.state().grantedBytes())
        .description("bytes the node's background work was granted since the node started").register(registry);
  }

  private static void gauge(MeterRegistry registry, BackgroundBudget budget, String name, String description,
      ToDoubleFunction<BackgroundBudget.State> value) {
    Gauge.builder(name, budget, b -> value.applyAsDouble(b.state())).description(description).register(registry);
  }
}
