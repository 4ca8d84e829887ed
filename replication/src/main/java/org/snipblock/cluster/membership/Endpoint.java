package org.snipblock.cluster.membership;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.regex.Pattern;

/** A cluster member's address, "host:port"; also its identity in the metadata consensus group. */
public record Endpoint(String host, int port) {
  private static final Pattern HOST = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.-]{0,252})");

  public Endpoint {
    if (host == null || !HOST.matcher(host).matches()) {
      throw new IllegalArgumentException("bad host '" + host + "': expected a host name or IPv4 address");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("bad port " + port + " for " + host + ": expected 1-65535");
    }
  }

  /** Parses "host:port". */
  public static Endpoint parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("empty cluster address: expected HOST:PORT");
    }
    int colon = text.lastIndexOf(':');
    if (colon <= 0 || colon == text.length() - 1 || text.indexOf(':') != colon) {
      throw new IllegalArgumentException("bad cluster address '" + text + "': expected HOST:PORT");
    }
    int port;
    try {
      port = Integer.parseInt(text.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("bad port in cluster address '" + text + "'");
    }
    return new Endpoint(text.substring(0, colon), port);
  }

  /** Parses a --join list "HOST:PORT[,HOST:PORT...]"; duplicates collapse, order is kept. */
  public static List<Endpoint> parseList(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("empty join list: expected HOST:PORT[,HOST:PORT...]");
    }
    LinkedHashSet<Endpoint> out = new LinkedHashSet<>();
    for (String part : text.split(",", -1)) {
      out.add(parse(part.trim()));
    }
    return new ArrayList<>(out);
  }

  @Override
  public String toString() {
    return host + ":" + port;
  }
}
