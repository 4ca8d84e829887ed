package org.snipblock.cluster.topology;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Where a volume is consumed: a site, or a finer place within it ({@code SITE[/COMPARTMENT[/RACK[/HOST]]]}),
 * e.g. the host of its VM. Failover and handover prefer the copies nearest it.
 */
public record ConsumerPlace(List<String> parts) {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
  private static final String[] LEVELS = {"site", "compartment", "rack", "host"};

  public ConsumerPlace {
    parts = List.copyOf(parts);
  }

  /** Parses "SITE[/COMPARTMENT[/RACK[/HOST]]]"; throws IllegalArgumentException naming what is wrong. */
  public static ConsumerPlace parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("consumer missing: expected SITE[/COMPARTMENT[/RACK[/HOST]]]");
    }
    String[] parts = text.split("/", -1);
    if (parts.length > 4) {
      throw new IllegalArgumentException("consumer '" + text + "' has " + parts.length
          + " parts: expected SITE[/COMPARTMENT[/RACK[/HOST]]]");
    }
    for (int i = 0; i < parts.length; i++) {
      if (!NAME.matcher(parts[i]).matches()) {
        throw new IllegalArgumentException("bad " + LEVELS[i] + " name '" + parts[i] + "' in consumer '" + text
            + "': use 1-63 of [A-Za-z0-9._-], starting alphanumeric");
      }
    }
    return new ConsumerPlace(List.of(parts));
  }

  public String site() {
    return parts.get(0);
  }

  /**
   * How far a node is from the consumer, on the scale of {@link Location#distance}: 4 another site,
   * 3 the same site (but not the compartment named), ... 0 the very host; a level the consumer does
   * not name counts as matching.
   */
  public int distance(Location node) {
    String[] at = {node.site(), node.compartment(), node.rack(), node.host()};
    for (int i = 0; i < parts.size(); i++) {
      if (!parts.get(i).equals(at[i])) {
        return 4 - i;
      }
    }
    return 0;
  }

  @Override
  public String toString() {
    return String.join("/", parts);
  }
}
