package org.snipblock.cluster.follow;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.snipblock.cluster.meta.SnippetModes;
import org.snipblock.cluster.proto.SnippetPlacement;
import org.snipblock.cluster.proto.VolumeRecord;

/**
 * The measured round trips between nodes (row = from, column = to, smoothed milliseconds), and what
 * they say about sites and volumes: which nodes are within synchronous reach of each other, and how
 * long a volume's slowest link between two holders of one snippet takes.
 */
public record RttMatrix(Map<String, Map<String, Double>> millis) {

  /** A volume's response time: its slowest link between two holders of a snippet. */
  public record Reach(double millis, String from, String to, boolean measured) {
    static final Reach LOCAL = new Reach(0, "", "", true);
  }

  /** The round trip between two nodes: the larger of the two directions measured; NaN when neither was. */
  public double between(String a, String b) {
    if (a.equals(b)) {
      return 0;
    }
    Double ab = millis.getOrDefault(a, Map.of()).get(b);
    Double ba = millis.getOrDefault(b, Map.of()).get(a);
    if (ab == null && ba == null) {
      return Double.NaN;
    }
    return Math.max(ab == null ? 0 : ab, ba == null ? 0 : ba);
  }

  /** The largest round trip among the holders of each snippet; {@code measured} false if a pair was never measured. */
  public Reach reach(VolumeRecord v) {
    Reach worst = Reach.LOCAL;
    boolean measured = true;
    for (SnippetPlacement s : v.getSnippetsList()) {
      List<String> holders = s.getNodesList();
      for (int i = 0; i < holders.size(); i++) {
        for (int j = i + 1; j < holders.size(); j++) {
          double ms = between(holders.get(i), holders.get(j));
          if (Double.isNaN(ms)) {
            measured = false;
          } else if (ms > worst.millis()) {
            worst = new Reach(ms, holders.get(i), holders.get(j), true);
          }
        }
      }
    }
    return new Reach(worst.millis(), worst.from(), worst.to(), measured);
  }

  /** True if some snippet of the volume is replicated synchronously over a link slower than the bound. */
  public boolean syncOverSlowLink(VolumeRecord v, double boundMillis) {
    return SnippetModes.any(v, SnippetModes.SYNC) && reach(v).millis() > boundMillis;
  }

  /**
   * The nodes grouped so that every two in a group are within {@code boundMillis} of each other
   * (sites as measured): each node, in name order, joins the first group it is near to every
   * member of, or starts its own. A pair never measured counts as far.
   */
  public List<List<String>> syncGroups(Collection<String> nodes, double boundMillis) {
    List<List<String>> groups = new ArrayList<>();
    for (String n : new TreeSet<>(nodes)) {
      List<String> home = null;
      for (List<String> g : groups) {
        if (g.stream().allMatch(m -> between(n, m) <= boundMillis)) {
          home = g;
          break;
        }
      }
      if (home == null) {
        home = new ArrayList<>();
        groups.add(home);
      }
      home.add(n);
    }
    return groups.stream().map(List::copyOf).toList();
  }
}
