package org.snipblock.node.cli;

import java.util.List;
import org.snipblock.node.admin.v1.Tenant;
import org.snipblock.node.admin.v1.TenantUsage;
import org.snipblock.node.config.ByteSize;

/** A tenant as the CLI prints it (text, or the same fields as JSON). */
record TenantView(String name, String limits, List<String> volumes, UsageView usage) {
  record UsageView(String tenant, long volumes, long provisionedBytes, long usedBytes, long reads, long writes,
      long readBytes, long writtenBytes, long iopsLimits, long bpsLimits) {
    static UsageView of(String tenant, TenantUsage u) {
      return new UsageView(tenant, u.getVolumes(), u.getProvisionedBytes(), u.getUsedBytes(), u.getReads(),
          u.getWrites(), u.getReadBytes(), u.getWrittenBytes(), u.getIopsLimits(), u.getBpsLimits());
    }
  }

  static TenantView of(Tenant t) {
    return new TenantView(t.getName(), t.getLimits(), List.copyOf(t.getVolumesList()), UsageView.of(t.getName(), t.getUsage()));
  }

  /** Prints tenants through the command's {@link Output}. */
  record Printer(Output out) {
    void tenant(Tenant t) {
      TenantView v = of(t);
      if (out.isJson()) {
        out.json(v);
        return;
      }
      out.println("name:        " + v.name());
      out.println("quotas:      " + v.limits());
      out.println("volumes:     " + (v.volumes().isEmpty() ? "none" : String.join(", ", v.volumes())));
      out.println("provisioned: " + ByteSize.format(v.usage().provisionedBytes()));
    }

    void tenants(List<Tenant> all) {
      if (out.isJson()) {
        out.json(all.stream().map(TenantView::of).toList());
        return;
      }
      if (all.isEmpty()) {
        out.println("no tenants");
        return;
      }
      String format = "%-20s %8s %12s  %s";
      out.println(String.format(format, "NAME", "VOLUMES", "PROVISIONED", "QUOTAS"));
      for (Tenant t : all) {
        out.println(String.format(format, t.getName(), t.getVolumesCount(),
            ByteSize.format(t.getUsage().getProvisionedBytes()), t.getLimits()));
      }
    }

    void usage(String tenant, TenantUsage u) {
      UsageView v = UsageView.of(tenant, u);
      if (out.isJson()) {
        out.json(v);
        return;
      }
      out.println("tenant:        " + tenant);
      out.println("volumes:       " + v.volumes());
      out.println("provisioned:   " + ByteSize.format(v.provisionedBytes()) + " (" + v.provisionedBytes() + " bytes)");
      out.println("used:          " + ByteSize.format(v.usedBytes()) + " (" + v.usedBytes() + " bytes)");
      out.println("reads:         " + v.reads() + " (" + v.readBytes() + " bytes)");
      out.println("writes:        " + v.writes() + " (" + v.writtenBytes() + " bytes)");
      out.println("IOPS limits:   " + (v.iopsLimits() < 0 ? "unlimited" : v.iopsLimits()));
      out.println("bps limits:    " + (v.bpsLimits() < 0 ? "unlimited" : v.bpsLimits()));
    }
  }
}
