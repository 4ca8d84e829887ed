package org.snipblock.adapter.placement;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.snipblock.adapter.model.HostRecord;
import org.snipblock.adapter.model.VmRecord;
import org.snipblock.adapter.model.VmSpec;
import org.snipblock.cluster.topology.Location;
import org.snipblock.node.config.ByteSize;

/**
 * Best match of a VM to a host (seed 003's heuristics): among live hosts in the asked site (or the
 * asked host), outside the VM's anti-affinity group, with the CPUs and memory free, the one closest
 * to {@code near} (the host a VM is restarted from: same rack, compartment, site first), then the one
 * closest to the primaries of the VM's volumes by measured round trip ({@link StorageCloseness}),
 * then the one with the most memory left, so load spreads. When capacity is short and {@code mayPreempt}, a host
 * where stopping lower-priority VMs (lowest first) makes room is taken, naming them. When nothing
 * fits, {@link NoPlacement} says why and what would.
 */
public final class Placement {
  /** The chosen host, why, and the VMs to stop first to make room (empty unless preempting). */
  public record Decision(String host, String why, List<String> preempt) {}

  private Placement() {}

  /** As {@link #place(String, VmSpec, List, List, long, Location, Set, boolean, StorageCloseness)}, knowing nothing of the storage. */
  public static Decision place(String vm, VmSpec spec, List<HostRecord> hosts, List<VmRecord> vms, long now,
      Location near, Set<String> excluded, boolean mayPreempt) {
    return place(vm, spec, hosts, vms, now, near, excluded, mayPreempt, StorageCloseness.NONE);
  }

  public static Decision place(String vm, VmSpec spec, List<HostRecord> hosts, List<VmRecord> vms, long now,
      Location near, Set<String> excluded, boolean mayPreempt, StorageCloseness storage) {
    List<HostRecord> live = hosts.stream().filter(h -> h.alive(now) && !excluded.contains(h.id())).toList();
    if (live.isEmpty()) {
      throw new NoPlacement("no live host to run " + vm + " (" + hosts.size() + " on record"
          + (excluded.isEmpty() ? "" : ", not counting " + String.join(", ", excluded)) + ")");
    }
    List<HostRecord> asked = live;
    if (spec.host() != null) {
      asked = live.stream().filter(h -> h.id().equals(spec.host())).toList();
      if (asked.isEmpty()) {
        throw new NoPlacement("host " + spec.host() + (hosts.stream().anyMatch(h -> h.id().equals(spec.host()))
            ? " is down or excluded" : " is not on record"));
      }
    }
    if (spec.site() != null) {
      asked = asked.stream().filter(h -> site(h).equals(spec.site())).toList();
      if (asked.isEmpty()) {
        throw new NoPlacement("no live host in site " + spec.site() + " (live hosts are in "
            + live.stream().map(Placement::site).distinct().sorted().collect(Collectors.joining(", ")) + ")");
      }
    }
    Set<String> groupHosts = spec.antiAffinity() && spec.group() != null
        ? vms.stream().filter(v -> !v.name().equals(vm) && spec.group().equals(v.spec().group()) && v.host() != null
            && HostLoad.holds(v)).map(VmRecord::host).collect(Collectors.toSet())
        : Set.of();
    List<HostLoad> loads = asked.stream().filter(h -> !groupHosts.contains(h.id()))
        .map(h -> HostLoad.of(h, vms.stream().filter(v -> !v.name().equals(vm)).toList())).toList();
    if (loads.isEmpty()) {
      throw new NoPlacement("every candidate host already runs a VM of anti-affinity group " + spec.group());
    }
    Comparator<HostLoad> closest = Comparator.comparingInt(l -> near == null ? 0 : location(l.host()).distance(near));
    Comparator<HostLoad> order = closest.thenComparingLong(l -> storage.band(l.host()))
        .thenComparing(Comparator.comparingLong(HostLoad::freeMemory).reversed())
        .thenComparing(l -> l.host().id());
    List<HostLoad> fit = loads.stream().filter(l -> fits(l, spec)).sorted(order).toList();
    if (!fit.isEmpty()) {
      HostLoad best = fit.get(0);
      return new Decision(best.host().id(), why(best, spec, near, fit.size(), storage), List.of());
    }
    if (mayPreempt) {
      for (HostLoad l : loads.stream().sorted(order).toList()) {
        List<String> stop = preemption(l, spec);
        if (stop != null) {
          return new Decision(l.host().id(), "host " + l.host().id() + " has room once lower-priority "
              + String.join(", ", stop) + " stop" + (stop.size() == 1 ? "s" : ""), stop);
        }
      }
    }
    throw new NoPlacement(shortage(spec, loads, hosts, vms, now));
  }

  /**
   * Where a VM goes when its host is lost (seed 004: the same redundancy zone first, then further up).
   * Hosts are ordered by their distance from {@code near} (the lost host: rack, compartment, site,
   * beyond), so the first host that fits is the closest one. A VM with a {@code --site} looks there
   * first; when nothing there has room it goes to the nearest host outside that does, unless its site
   * is strict. Lower-priority VMs are stopped only when no host it may use has room as it is (in its
   * site first).
   */
  public static Decision afterLoss(String vm, VmSpec spec, List<HostRecord> hosts, List<VmRecord> vms, long now,
      Location near, Set<String> excluded, StorageCloseness storage) {
    boolean mayLeave = spec.site() != null && !spec.siteStrict();
    if (!mayLeave) {
      return place(vm, spec, hosts, vms, now, near, excluded, true, storage);
    }
    VmSpec anySite = spec.at(null, spec.host());
    NoPlacement inSite;
    try {
      return place(vm, spec, hosts, vms, now, near, excluded, false, storage);
    } catch (NoPlacement e) {
      inSite = e;
    }
    String left = "nothing in site " + spec.site() + " fits (" + inSite.getMessage() + "); ";
    try {
      Decision d = place(vm, anySite, hosts, vms, now, near, excluded, false, storage);
      return new Decision(d.host(), left + "outside it: " + d.why(), d.preempt());
    } catch (NoPlacement e) {
      // no room anywhere as things are: make room, in the site first
    }
    try {
      return place(vm, spec, hosts, vms, now, near, excluded, true, storage);
    } catch (NoPlacement e) {
      Decision d = place(vm, anySite, hosts, vms, now, near, excluded, true, storage);
      return new Decision(d.host(), left + "outside it: " + d.why(), d.preempt());
    }
  }

  private static boolean fits(HostLoad l, VmSpec spec) {
    return l.freeCpus() >= spec.cpus() && l.freeMemory() >= spec.memoryBytes();
  }

  /** The lowest-priority VMs below the spec's priority whose stopping makes room, or null. */
  private static List<String> preemption(HostLoad l, VmSpec spec) {
    List<VmRecord> lower = l.vms().stream().filter(v -> v.spec().priority() < spec.priority())
        .sorted(Comparator.comparingInt((VmRecord v) -> v.spec().priority()).thenComparing(VmRecord::name)).toList();
    int cpus = l.freeCpus();
    long memory = l.freeMemory();
    List<String> stop = new ArrayList<>();
    for (VmRecord v : lower) {
      if (cpus >= spec.cpus() && memory >= spec.memoryBytes()) {
        break;
      }
      stop.add(v.name());
      cpus += v.spec().cpus();
      memory += v.spec().memoryBytes();
    }
    return cpus >= spec.cpus() && memory >= spec.memoryBytes() ? stop : null;
  }

  private static String why(HostLoad best, VmSpec spec, Location near, int fitting, StorageCloseness storage) {
    String where = near == null ? "" : ", distance " + location(best.host()).distance(near) + " from " + near;
    java.util.OptionalDouble rtt = storage.millis(best.host());
    if (rtt.isPresent()) {
      where += String.format(java.util.Locale.ROOT, ", %.1f ms from the primaries of its volumes", rtt.getAsDouble());
    }
    return "host " + best.host().id() + " (" + best.host().location() + where + ") has "
        + ByteSize.format(best.freeMemory()) + " and " + best.freeCpus() + " CPUs free; " + fitting
        + " host" + (fitting == 1 ? "" : "s") + " fit";
  }

  private static String shortage(VmSpec spec, List<HostLoad> loads, List<HostRecord> hosts, List<VmRecord> vms,
      long now) {
    String need = ByteSize.format(spec.memoryBytes()) + " and " + spec.cpus() + " CPU" + (spec.cpus() == 1 ? "" : "s");
    HostLoad largest = loads.stream().max(Comparator.comparingLong(HostLoad::freeMemory)).orElseThrow();
    StringBuilder s = new StringBuilder("no host")
        .append(spec.site() != null ? " in site " + spec.site() : spec.host() != null ? " named " + spec.host() : "")
        .append(" has ").append(need).append(" free; the largest has ")
        .append(ByteSize.format(Math.max(0, largest.freeMemory()))).append(" and ")
        .append(Math.max(0, largest.freeCpus())).append(" CPUs (").append(largest.host().id()).append(")");
    if (spec.site() != null) {
      Map<String, Long> elsewhere = new TreeMap<>();
      for (HostRecord h : hosts) {
        if (h.alive(now) && !site(h).equals(spec.site()) && fits(HostLoad.of(h, vms), spec)) {
          elsewhere.merge(site(h), 1L, Long::sum);
        }
      }
      elsewhere.forEach((site, n) -> s.append("; site ").append(site).append(" has ").append(n)
          .append(n == 1 ? " host that fits" : " hosts that fit"));
    }
    return s.toString();
  }

  static String site(HostRecord h) {
    return location(h).site();
  }

  static Location location(HostRecord h) {
    return Location.parse(h.location());
  }
}
