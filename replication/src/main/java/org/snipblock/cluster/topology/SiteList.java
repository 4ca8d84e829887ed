package org.snipblock.cluster.topology;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The sites a volume's copies are kept in ({@code --sites a,b}): every copy in one of them, and each
 * of them holding a copy of every snippet, so the volume has as many copies as sites at least.
 * Empty means any site.
 */
public final class SiteList {
  /** The word that lifts the constraint. */
  public static final String ANY = "any";
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

  private SiteList() {}

  /**
   * Parses "SITE[,SITE...]" or "any" (empty list); throws IllegalArgumentException naming what is
   * wrong: nothing given, an empty or malformed name, a site named twice.
   */
  public static List<String> parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("sites missing: expected SITE[,SITE...] or " + ANY);
    }
    if (text.trim().equalsIgnoreCase(ANY)) {
      return List.of();
    }
    List<String> sites = new ArrayList<>();
    for (String part : text.split(",", -1)) {
      String site = part.trim();
      if (!NAME.matcher(site).matches()) {
        throw new IllegalArgumentException("bad site name '" + site + "' in sites '" + text
            + "': use 1-63 of [A-Za-z0-9._-], starting alphanumeric");
      }
      if (sites.contains(site)) {
        throw new IllegalArgumentException("site " + site + " named twice in sites '" + text + "'");
      }
      sites.add(site);
    }
    return List.copyOf(sites);
  }

  /**
   * Checks sites against the cluster and the volume's copies: each must be a site some node is in,
   * and there must be a copy for each.
   *
   * @param known the sites the cluster's nodes are in
   * @return null when they fit, else why not (one line)
   */
  public static String misfit(List<String> sites, Collection<String> known, int copies) {
    for (String s : sites) {
      if (!known.contains(s)) {
        return "unknown site " + s + " in sites " + String.join(",", sites) + " (the cluster's nodes are in "
            + String.join(", ", new TreeSet<>(known)) + ")";
      }
    }
    if (sites.size() > copies) {
      return "sites " + String.join(",", sites) + " name " + sites.size() + " sites but the volume has " + copies
          + (copies == 1 ? " copy" : " copies") + ": each site named holds a copy of every snippet";
    }
    return null;
  }

  /** How the sites read in messages: "a, b", or "any". */
  public static String label(List<String> sites) {
    return sites.isEmpty() ? ANY : String.join(", ", sites);
  }
}
