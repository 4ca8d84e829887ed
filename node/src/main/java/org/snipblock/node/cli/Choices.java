package org.snipblock.node.cli;

import org.snipblock.cluster.replica.ReplicationMode;
import java.util.List;
import org.snipblock.cluster.topology.FailureDomain;
import org.snipblock.cluster.topology.SiteList;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/** Checks the cluster's word-valued options on the command line, so a typo fails before any call. */
final class Choices {
  private Choices() {}

  /** host|rack|compartment|site, as the node expects it. */
  static String spread(CommandSpec spec, String value) {
    try {
      return FailureDomain.parse(value).label();
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "invalid --spread: " + e.getMessage());
    }
  }

  /** --sites: SITE[,SITE...] or any, as the node expects it. */
  static String sites(CommandSpec spec, String value) {
    try {
      List<String> sites = SiteList.parse(value);
      return sites.isEmpty() ? SiteList.ANY : String.join(",", sites);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "invalid --sites: " + e.getMessage());
    }
  }

  /** --copies (1..16) and --min-copies (at least 1, at most --copies when both are given); null = not given. */
  static void copies(CommandSpec spec, Integer copies, Integer minCopies) {
    if (copies != null && (copies < 1 || copies > 16)) {
      throw new ParameterException(spec.commandLine(), "invalid --copies " + copies + ": must be 1..16");
    }
    if (minCopies != null && minCopies < 1) {
      throw new ParameterException(spec.commandLine(), "invalid --min-copies " + minCopies + ": must be at least 1");
    }
    if (copies != null && minCopies != null && minCopies > copies) {
      throw new ParameterException(spec.commandLine(),
          "invalid --min-copies " + minCopies + ": more than --copies " + copies);
    }
  }

  /** The --mode word that puts the mode under the primary's automatic control. */
  static final String AUTO = "auto";

  /** sync|async, as the node expects it. */
  static String mode(CommandSpec spec, String value) {
    try {
      return ReplicationMode.parse(value).label();
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "invalid --mode: " + e.getMessage()
          + (spec.name().equals("set") ? " (or auto)" : ""));
    }
  }
}
