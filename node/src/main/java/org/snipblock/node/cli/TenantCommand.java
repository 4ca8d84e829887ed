package org.snipblock.node.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.snipblock.node.admin.v1.ListTenantsRequest;
import org.snipblock.node.admin.v1.Tenant;
import org.snipblock.node.admin.v1.TenantChange;
import org.snipblock.node.admin.v1.TenantRequest;
import org.snipblock.node.admin.v1.TenantUsage;
import org.snipblock.node.tenant.TenantLimits;
import org.snipblock.node.tenant.TenantName;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code snipblock tenant ...}: the customers sharing the storage, their quotas and their usage. */
@Command(name = "tenant", mixinStandardHelpOptions = true,
    description = "Manage tenants: who owns volumes, their quotas, and what they use.",
    subcommands = {TenantCommand.Create.class, TenantCommand.ListTenants.class, TenantCommand.Show.class,
        TenantCommand.Set.class, TenantCommand.Delete.class, TenantCommand.Usage.class})
public final class TenantCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "missing subcommand (create, list, show, set, delete or usage)");
  }

  abstract static class Subcommand implements Callable<Integer> {
    @Mixin AdminOptions admin;
    @Spec CommandSpec spec;

    TenantView.Printer output() {
      return new TenantView.Printer(new Output(spec.commandLine().getOut(), admin.json));
    }

    String name(String name) {
      try {
        return TenantName.check(name);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), e.getMessage());
      }
    }
  }

  /** The quota options of create and set, as the limits text the node parses (checked here first). */
  static final class Quotas {
    @Option(names = "--max-volumes", paramLabel = "N", description = "Volumes the tenant may own (0: unlimited).")
    String maxVolumes;

    @Option(names = "--max-bytes", paramLabel = "SIZE",
        description = "Sum of its volumes' sizes: 10G, 2T or bytes (0: unlimited).")
    String maxBytes;

    @Option(names = "--max-iops", paramLabel = "N",
        description = "Ceiling on the sum of its volumes' IOPS limits (0: unlimited).")
    String maxIops;

    @Option(names = "--max-bps", paramLabel = "SIZE",
        description = "Ceiling on the sum of its volumes' bytes/s limits: 100M, 1G (0: unlimited).")
    String maxBps;

    String text(CommandSpec spec) {
      List<String> parts = new ArrayList<>();
      add(parts, "max-volumes", maxVolumes);
      add(parts, "max-bytes", maxBytes);
      add(parts, "max-iops", maxIops);
      add(parts, "max-bps", maxBps);
      String text = String.join(",", parts);
      try {
        TenantLimits.parse(text);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), e.getMessage());
      }
      return text;
    }

    private static void add(List<String> parts, String key, String value) {
      if (value != null) {
        if (value.contains(",") || value.contains("=")) {
          throw new IllegalArgumentException("invalid " + key + " '" + value + "'");
        }
        parts.add(key + "=" + value);
      }
    }
  }

  @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a tenant with its quotas.")
  static final class Create extends Subcommand {
    @Parameters(index = "0", paramLabel = "NAME") String name;
    @Mixin Quotas quotas;

    @Override
    public Integer call() {
      TenantChange req = TenantChange.newBuilder().setName(name(name)).setLimits(limits(spec, quotas)).build();
      output().tenant(admin.call(c -> c.tenants().createTenant(req)));
      return 0;
    }
  }

  @Command(name = "set", mixinStandardHelpOptions = true,
      description = "Change a tenant's quotas (only those given; 0 lifts one).")
  static final class Set extends Subcommand {
    @Parameters(index = "0", paramLabel = "NAME") String name;
    @Mixin Quotas quotas;

    @Override
    public Integer call() {
      String limits = limits(spec, quotas);
      if (limits.isEmpty()) {
        throw new ParameterException(spec.commandLine(), "nothing to set: give --max-volumes, --max-bytes, --max-iops "
            + "and/or --max-bps");
      }
      TenantChange req = TenantChange.newBuilder().setName(name(name)).setLimits(limits).build();
      output().tenant(admin.call(c -> c.tenants().setTenant(req)));
      return 0;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List the tenants (a tenant sees itself).")
  static final class ListTenants extends Subcommand {
    @Override
    public Integer call() {
      output().tenants(admin.call(c -> c.tenants().listTenants(ListTenantsRequest.getDefaultInstance())).getTenantsList());
      return 0;
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true, description = "A tenant's quotas, volumes and usage.")
  static final class Show extends Subcommand {
    @Parameters(index = "0", paramLabel = "NAME") String name;

    @Override
    public Integer call() {
      TenantRequest req = TenantRequest.newBuilder().setName(name(name)).build();
      output().tenant(admin.call(c -> c.tenants().showTenant(req)));
      return 0;
    }
  }

  @Command(name = "usage", mixinStandardHelpOptions = true,
      description = "What a tenant's volumes hold, and the I/O they served through this node's doors since it started.")
  static final class Usage extends Subcommand {
    @Parameters(index = "0", paramLabel = "NAME") String name;

    @Override
    public Integer call() {
      TenantRequest req = TenantRequest.newBuilder().setName(name(name)).build();
      Tenant t = admin.call(c -> c.tenants().showTenant(req));
      TenantUsage u = t.getUsage();
      output().usage(t.getName(), u);
      return 0;
    }
  }

  @Command(name = "delete", mixinStandardHelpOptions = true,
      description = "Delete a tenant; refused while it owns volumes (they are named).")
  static final class Delete extends Subcommand {
    @Parameters(index = "0", paramLabel = "NAME") String name;

    @Override
    public Integer call() {
      TenantRequest req = TenantRequest.newBuilder().setName(name(name)).build();
      admin.call(c -> c.tenants().deleteTenant(req));
      spec.commandLine().getOut().println("deleted tenant " + name);
      return 0;
    }
  }

  private static String limits(CommandSpec spec, Quotas q) {
    try {
      return q.text(spec);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
  }
}
