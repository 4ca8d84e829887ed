package org.snipblock.node.cli;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.snipblock.node.admin.v1.ExportUsageRequest;
import org.snipblock.node.admin.v1.UsageExport;
import org.snipblock.node.admin.v1.UsageRow;
import org.snipblock.node.tenant.TenantName;
import org.snipblock.node.usage.UsageRange;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code snipblock usage export}: the hourly metering (the cluster's, on a cluster), for billing. */
@Command(name = "usage", mixinStandardHelpOptions = true, description = "Metering for billing.",
    subcommands = UsageCommand.Export.class)
public final class UsageCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "missing subcommand (export)");
  }

  @Command(name = "export", mixinStandardHelpOptions = true,
      description = "Per hour, volume, tenant and node: provisioned and used byte-hours (billed by the volume's "
          + "primary) and the reads and writes through the node's doors; on a cluster every node's rows, from any node. "
          + "A tenant's token gets its own volumes' rows. Default: every hour so far, as CSV.")
  static final class Export implements Callable<Integer> {
    static final List<String> COLUMNS = List.of("hour", "node", "tenant", "volume", "volume_id",
        "provisioned_byte_hours", "used_byte_hours", "reads", "writes", "read_bytes", "written_bytes", "open");

    @Mixin AdminOptions admin;
    @Spec CommandSpec spec;

    @Option(names = "--from", paramLabel = "TIME", description = "Hours starting at or after TIME (2026-12-07 or "
        + "2026-12-07T05:00Z).")
    String from;

    @Option(names = "--to", paramLabel = "TIME", description = "Hours starting before TIME.")
    String to;

    @Option(names = "--format", paramLabel = "csv|json", description = "csv (default) or json (as --json).")
    String format;

    @Option(names = "--tenant", paramLabel = "NAME", description = "Only this tenant's volumes (a tenant's token: "
        + "its own, the default for it).")
    String tenant;

    @Override
    public Integer call() {
      UsageRange range;
      try {
        range = UsageRange.parse(from, to);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), e.getMessage());
      }
      if (format != null && !format.equals("csv") && !format.equals("json")) {
        throw new ParameterException(spec.commandLine(), "invalid --format '" + format + "': csv or json");
      }
      boolean json = admin.json || "json".equals(format);
      if (tenant != null) {
        try {
          TenantName.check(tenant);
        } catch (IllegalArgumentException e) {
          throw new ParameterException(spec.commandLine(), e.getMessage());
        }
      }
      UsageExport export = admin.call(c -> c.usage().exportUsage(ExportUsageRequest.newBuilder()
          .setFromEpochSeconds(range.from()).setToEpochSeconds(range.to())
          .setTenant(tenant == null ? "" : tenant).build()));
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        List<Map<String, Object>> rows = new ArrayList<>();
        export.getRowsList().forEach(r -> rows.add(fields(export.getNode(), r)));
        new Output(out, true).json(rows);
      } else {
        out.println(String.join(",", COLUMNS));
        for (UsageRow r : export.getRowsList()) {
          out.println(String.join(",", fields(export.getNode(), r).values().stream().map(UsageCommand::csv).toList()));
        }
      }
      out.flush();
      if (export.getMissingNodesCount() > 0) {
        // Billing from a part of the cluster's rows would under-bill: say so, and fail the command.
        spec.commandLine().getErr().println("snipblock: usage export: no answer from node"
            + (export.getMissingNodesCount() == 1 ? " " : "s ") + String.join(", ", export.getMissingNodesList())
            + " (down or unreachable): its rows are missing above");
        return 1;
      }
      return 0;
    }

    private static Map<String, Object> fields(String node, UsageRow r) {
      Map<String, Object> m = new LinkedHashMap<>();
      List<Object> values = List.of(Instant.ofEpochSecond(r.getHourEpochSeconds()).toString(),
          r.getNode().isEmpty() ? node : r.getNode(), r.getTenant(),
          r.getVolume(), r.getVolumeId(), r.getProvisionedByteHours(), r.getUsedByteHours(), r.getReads(),
          r.getWrites(), r.getReadBytes(), r.getWrittenBytes(), r.getOpen());
      for (int i = 0; i < COLUMNS.size(); i++) {
        m.put(COLUMNS.get(i), values.get(i));
      }
      return m;
    }
  }

  /** A CSV field: quoted when it holds a comma, quote or line break (RFC 4180). */
  static String csv(Object value) {
    String s = String.valueOf(value);
    return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
  }
}
