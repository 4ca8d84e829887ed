package org.snipblock.adapter.placement;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;
import org.snipblock.adapter.model.HostRecord;
import org.snipblock.cluster.topology.Location;

/**
 * How close a host is to a VM's storage, by the round trips the storage cluster measures: from the
 * storage node nearest the host (by location: the same machine, rack, compartment, site) to the
 * farthest primary of the VM's volumes. Hosts within {@link #BAND_MILLIS} of each other count as
 * equally close, so the noise of a loopback or LAN round trip does not decide between them; a host
 * whose round trip is not known comes after those whose round trip is.
 *
 * @param nodes     the storage nodes and where they stand
 * @param rttMillis measured round trips, by measuring node and then by node measured
 * @param primaries the nodes that serve the VM's volumes as primary (empty: nothing to be close to)
 */
public record StorageCloseness(Map<String, Location> nodes, Map<String, Map<String, Double>> rttMillis,
    Set<String> primaries) {
  /** Round trips closer than this apart are the same to placement. */
  static final double BAND_MILLIS = 2.0;

  /** Nothing known about the storage: placement goes by CPUs, memory and location alone. */
  public static final StorageCloseness NONE = new StorageCloseness(Map.of(), Map.of(), Set.of());

  public StorageCloseness {
    nodes = Map.copyOf(nodes);
    rttMillis = Map.copyOf(rttMillis);
    primaries = Set.copyOf(primaries);
  }

  boolean known() {
    return !primaries.isEmpty() && !nodes.isEmpty();
  }

  /** The round trip from the host's nearest storage node to the farthest primary, if measured. */
  OptionalDouble millis(HostRecord host) {
    if (!known()) {
      return OptionalDouble.empty();
    }
    Location at = Location.parse(host.location());
    String nearest = nodes.entrySet().stream()
        .min(Comparator.<Map.Entry<String, Location>>comparingInt(e -> e.getValue().distance(at))
            .thenComparing(Map.Entry::getKey))
        .orElseThrow().getKey();
    double worst = 0;
    for (String p : primaries) {
      OptionalDouble rtt = between(nearest, p);
      if (rtt.isEmpty()) {
        return OptionalDouble.empty();
      }
      worst = Math.max(worst, rtt.getAsDouble());
    }
    return OptionalDouble.of(worst);
  }

  /** The band placement compares: lower is closer; hosts of unknown round trip last. */
  long band(HostRecord host) {
    if (!known()) {
      return 0;
    }
    OptionalDouble ms = millis(host);
    return ms.isPresent() ? (long) (ms.getAsDouble() / BAND_MILLIS) : Long.MAX_VALUE;
  }

  /** Either node's measurement of the other (the matrix holds what each node measured itself). */
  private OptionalDouble between(String a, String b) {
    if (a.equals(b)) {
      return OptionalDouble.of(0);
    }
    for (List<String> pair : List.of(List.of(a, b), List.of(b, a))) {
      Double ms = rttMillis.getOrDefault(pair.get(0), Map.of()).get(pair.get(1));
      if (ms != null) {
        return OptionalDouble.of(ms);
      }
    }
    return OptionalDouble.empty();
  }
}
