package org.snipblock.adapter.placement;

import java.util.List;
import java.util.Set;
import org.snipblock.adapter.model.HostRecord;
import org.snipblock.adapter.model.VmRecord;
import org.snipblock.cluster.topology.Location;
import org.snipblock.node.OperatorError;

/**
 * Where {@code vm migrate NAME --to-site SITE [--to-host H]} sends a VM: the best match among the
 * live hosts of the site (or the host asked, which must be in it). Chosen when the task is
 * submitted, so every controller that runs or rolls it back knows the same host.
 */
public final class SiteTarget {
  private SiteTarget() {}

  /** The chosen host and why; an operator error, naming the reason, when the VM cannot go there. */
  public static Placement.Decision choose(VmRecord v, String site, String host, List<HostRecord> hosts,
      List<VmRecord> vms, long now) {
    if (!VmRecord.RUNNING.equals(v.state())) {
      throw new OperatorError("vm " + v.name() + " is " + v.state() + ": only a running VM migrates live");
    }
    HostRecord source = hosts.stream().filter(h -> h.id().equals(v.host())).findFirst()
        .orElseThrow(() -> new OperatorError("vm " + v.name() + " runs on " + v.host() + ", which is not on record"));
    if (hosts.stream().noneMatch(h -> site(h).equals(site))) {
      throw new OperatorError("no host in site " + site + " (hosts are in "
          + String.join(", ", hosts.stream().map(SiteTarget::site).distinct().sorted().toList()) + ")");
    }
    if (site(source).equals(site)) {
      throw new OperatorError("vm " + v.name() + " already runs in site " + site + " (on " + source.id()
          + "); use --to-host to move it within the site");
    }
    if (host != null && hosts.stream().anyMatch(h -> h.id().equals(host) && !site(h).equals(site))) {
      throw new OperatorError("host " + host + " is not in site " + site);
    }
    return Placement.place(v.name(), v.spec().at(site, host), hosts, vms, now, null, Set.of(source.id()), false);
  }

  private static String site(HostRecord h) {
    return Location.parse(h.location()).site();
  }
}
