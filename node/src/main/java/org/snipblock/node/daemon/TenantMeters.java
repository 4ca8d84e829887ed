package org.snipblock.node.daemon;

import io.grpc.BindableService;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.List;
import org.snipblock.node.admin.AdminTenancy;
import org.snipblock.node.admin.v1.TenantUsage;
import org.snipblock.node.admin.v1.TenantsGrpc;
import org.snipblock.node.http.NodeMetrics;

/**
 * Metering per tenant in the node's Prometheus exposition, read at each scrape: volumes, provisioned
 * and used bytes, and operations and bytes read and written through this node's doors since it
 * started (monotonic while the node runs; take rate() or increase() over them, as over counters).
 */
final class TenantMeters {
  private final AdminTenancy tenancy;
  private final MultiGauge volumes;
  private final MultiGauge provisioned;
  private final MultiGauge used;
  private final MultiGauge operations;
  private final MultiGauge bytes;

  private TenantMeters(NodeMetrics metrics, AdminTenancy tenancy) {
    this.tenancy = tenancy;
    volumes = gauge(metrics, "snipblock.tenant.volumes", "volumes the tenant owns");
    provisioned = gauge(metrics, "snipblock.tenant.provisioned.bytes", "sum of the sizes of the tenant's volumes");
    used = gauge(metrics, "snipblock.tenant.used.bytes", "bytes written (thin) in the tenant's volumes");
    operations = gauge(metrics, "snipblock.tenant.io.operations",
        "reads or writes served through this node's doors since it started, by op");
    bytes = gauge(metrics, "snipblock.tenant.io.bytes", "bytes read or written through this node's doors since it started, by op");
  }

  /** Adds the tenant gauges to the node's metrics (nothing without tenancy). */
  static void register(NodeMetrics metrics, AdminTenancy tenancy) {
    if (tenancy != null) {
      metrics.onScrape(new TenantMeters(metrics, tenancy)::refresh);
    }
  }

  /** The tenant calls: the real ones, or (a node without a store of its own, in tests) UNIMPLEMENTED. */
  static BindableService service(AdminTenancy tenancy) {
    return tenancy == null ? new TenantsGrpc.TenantsImplBase() {} : tenancy.service();
  }

  private static MultiGauge gauge(NodeMetrics metrics, String name, String description) {
    return MultiGauge.builder(name).description(description).register(metrics.registry());
  }

  private synchronized void refresh() {
    List<MultiGauge.Row<?>> v = new ArrayList<>();
    List<MultiGauge.Row<?>> p = new ArrayList<>();
    List<MultiGauge.Row<?>> u = new ArrayList<>();
    List<MultiGauge.Row<?>> o = new ArrayList<>();
    List<MultiGauge.Row<?>> b = new ArrayList<>();
    for (String tenant : tenancy.accounts().book().tenants().keySet()) {
      TenantUsage usage = tenancy.accounts().usage(tenant);
      Tags t = Tags.of("tenant", tenant);
      v.add(MultiGauge.Row.of(t, usage.getVolumes()));
      p.add(MultiGauge.Row.of(t, usage.getProvisionedBytes()));
      u.add(MultiGauge.Row.of(t, usage.getUsedBytes()));
      o.add(MultiGauge.Row.of(t.and("op", "read"), usage.getReads()));
      o.add(MultiGauge.Row.of(t.and("op", "write"), usage.getWrites()));
      b.add(MultiGauge.Row.of(t.and("op", "read"), usage.getReadBytes()));
      b.add(MultiGauge.Row.of(t.and("op", "write"), usage.getWrittenBytes()));
    }
    volumes.register(v, true);
    provisioned.register(p, true);
    used.register(u, true);
    operations.register(o, true);
    bytes.register(b, true);
  }
}
