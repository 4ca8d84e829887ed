package org.snipblock.cluster.topology;

import java.util.regex.Pattern;

/**
 * Where a node stands: {@code SITE/COMPARTMENT/RACK/HOST}. Sites are areas within which synchronous
 * replication is cheap; compartments are independent failure zones inside a site (fire
 * compartments, power areas); racks and hosts as usual. Names are declared by the operator.
 */
public record Location(String site, String compartment, String rack, String host) {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

  public Location {
    checkPart("site", site);
    checkPart("compartment", compartment);
    checkPart("rack", rack);
    checkPart("host", host);
  }

  /** Parses "SITE/COMPARTMENT/RACK/HOST"; every part must be a plain name. */
  public static Location parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("location missing: expected SITE/COMPARTMENT/RACK/HOST");
    }
    String[] parts = text.split("/", -1);
    if (parts.length != 4) {
      throw new IllegalArgumentException(
          "location '" + text + "' has " + parts.length + " part(s): expected SITE/COMPARTMENT/RACK/HOST");
    }
    return new Location(parts[0], parts[1], parts[2], parts[3]);
  }

  private static void checkPart(String what, String value) {
    if (value == null || !NAME.matcher(value).matches()) {
      throw new IllegalArgumentException(
          "bad " + what + " name '" + value + "' in location: use 1-63 of [A-Za-z0-9._-], starting alphanumeric");
    }
  }

  /** The identity of the domain of this location at a level, e.g. "eu1/fc2" for COMPARTMENT. */
  public String domain(FailureDomain level) {
    return switch (level) {
      case SITE -> site;
      case COMPARTMENT -> site + "/" + compartment;
      case RACK -> site + "/" + compartment + "/" + rack;
      case HOST -> toString();
    };
  }

  /**
   * How far apart two locations are: 0 same host, 1 same rack, 2 same compartment, 3 same site,
   * 4 different sites. Used to keep copies close to the volume's user.
   */
  public int distance(Location other) {
    if (!site.equals(other.site)) {
      return 4;
    }
    if (!compartment.equals(other.compartment)) {
      return 3;
    }
    if (!rack.equals(other.rack)) {
      return 2;
    }
    return host.equals(other.host) ? 0 : 1;
  }

  @Override
  public String toString() {
    return site + "/" + compartment + "/" + rack + "/" + host;
  }
}
