package org.snipblock.node.cli;

import java.time.Duration;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/** {@code volume set}'s live policy change: copies, min-copies, spread and sites of a clustered volume. */
final class RedundancyOptions {
  @Option(names = "--copies", paramLabel = "N",
      description = "Copies of each snippet, live: new copies are built and in sync before any old one is dropped "
          + "(the command waits; progress in 'volume show').")
  Integer copies;

  @Option(names = "--min-copies", paramLabel = "M", description = "Copies a sync write must reach, live.")
  Integer minCopies;

  @Option(names = "--spread", paramLabel = "LEVEL",
      description = "Failure-domain level the copies must differ at (host, rack, compartment or site), live: "
          + "copies that share a domain move.")
  String spread;

  @Option(names = "--sites", paramLabel = "SITE[,SITE...]",
      description = "The sites the copies are kept in, live: every copy in one of them and each holding a copy of "
          + "every snippet; copies elsewhere move ('any' lifts it).")
  String sites;

  @Option(names = "--timeout", paramLabel = "DURATION", converter = Converters.Span.class, defaultValue = "10m",
      description = "How long the new copies may take to come in sync, and how long --wait waits (default 10m; "
          + "they go on after that).")
  Duration timeout;

  boolean given() {
    return copies != null || minCopies != null || spread != null || sites != null;
  }

  /** Checks, asks the node, and returns its one-line summary (or the same as JSON). */
  String apply(CommandSpec spec, AdminOptions admin, String name) {
    Choices.copies(spec, copies, minCopies);
    String level = spread == null ? "" : Choices.spread(spec, spread);
    String where = sites == null ? "" : Choices.sites(spec, sites);
    if (timeout.toSeconds() < 1 || timeout.toSeconds() > 86_400) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "invalid --timeout " + timeout.toSeconds()
          + "s: must be 1s..24h");
    }
    int seconds = (int) timeout.toSeconds();
    String summary = admin.call(c -> c.setRedundancy(name, copies == null ? 0 : copies,
        minCopies == null ? 0 : minCopies, level, where, seconds));
    return admin.json ? "{\"summary\":" + quoted(summary) + "}" : summary;
  }

  private static String quoted(String s) {
    try {
      return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(s);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
