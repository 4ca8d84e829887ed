package org.snipblock.node.cli;

import org.snipblock.node.admin.v1.CreateVolumeRequest;
import org.snipblock.store.VolumeAdminException;
import org.snipblock.store.VolumeRules;
import org.snipblock.store.VolumeSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/** {@code volume create NAME SIZE}: a thin volume, checked against the stores' rules before the node is asked. */
@Command(name = "create", mixinStandardHelpOptions = true,
    description = "Create a thin volume; on a cluster node, replicated as --copies/--spread/--mode say.")
final class VolumeCreateCommand extends VolumeCommand.Subcommand {
  @Parameters(index = "0", paramLabel = "NAME") String name;

  @Parameters(index = "1", arity = "0..1", paramLabel = "SIZE", converter = Converters.Size.class,
      description = "Size the clients see: 10G, 512M, 1T or bytes (or give --size).")
  Long positionalSize;

  @Option(names = "--size", paramLabel = "SIZE", converter = Converters.Size.class,
      description = "Size the clients see: 10G, 512M, 1T or bytes.")
  Long sizeOption;

  @Option(names = "--copies", paramLabel = "N",
      description = "Copies of each snippet, in distinct failure domains (default: the node's "
          + "cluster.defaults, built in 3; a standalone node keeps 1).")
  Integer copies;

  @Option(names = "--min-copies", paramLabel = "M",
      description = "Copies that must hold a write before a sync write is acknowledged, and be reachable "
          + "to serve (default: a majority of --copies, or the node's cluster.defaults).")
  Integer minCopies;

  @Option(names = "--spread", paramLabel = "LEVEL",
      description = "Failure-domain level the copies must differ at: host, rack, compartment or site "
          + "(default: the node's cluster.defaults, built in compartment).")
  String spread;

  @Option(names = "--sites", paramLabel = "SITE[,SITE...]",
      description = "Keep the copies in these sites: every copy in one of them, each holding a copy of every "
          + "snippet (default: any site).")
  String sites;

  @Option(names = "--mode", paramLabel = "MODE",
      description = "sync (acknowledged once --min-copies hold the write) or async (after the local copy; "
          + "replicas follow with bounded lag). Default: the node's cluster.defaults, built in sync.")
  String mode;

  @Option(names = "--block-size", paramLabel = "BYTES", defaultValue = "512",
      description = "Logical block size: 512 or 4096 (default 512).")
  int blockSize;

  @Option(names = "--snippet-size", paramLabel = "SIZE", converter = Converters.Size.class, defaultValue = "0",
      description = "Bytes per snippet (default: the store's).")
  long snippetSize;

  @Option(names = "--compression", description = "Compress stored data with lz4.")
  boolean compression;

  @Option(names = "--read-only", description = "Serve the volume write-protected (a template).")
  boolean readOnly;

  @Option(names = "--qos", paramLabel = "LIMITS",
      description = "I/O limits in QEMU's throttle vocabulary, e.g. iops-total=2000,bps-write=50M,"
          + "iops-total-max=4000,iops-total-max-length=10s (see volume set --qos).")
  String qos;

  @Option(names = "--qos-group", paramLabel = "GROUP",
      description = "Share the I/O budget of this group (see volume set --qos-group).")
  String qosGroup;

  @Option(names = "--tenant", paramLabel = "TENANT",
      description = "The tenant that owns the volume; its quotas are checked first (see tenant create).")
  String tenant;

  @Override
  public Integer call() {
    try {
      // The rules every node's store applies: a name or size it would refuse never reaches the cluster.
      VolumeRules.checkSnippetSizeOrDefault(snippetSize);
      VolumeRules.check(new VolumeSpec(name, size(), (int) snippetSize, blockSize, compression));
    } catch (VolumeAdminException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    CreateVolumeRequest.Builder req = CreateVolumeRequest.newBuilder().setName(name).setSizeBytes(size())
        .setSnippetSize((int) snippetSize).setBlockSize(blockSize).setCompression(compression)
        .setReadOnly(readOnly);
    redundancy(req);
    // Checked before anything is created, so a bad --qos changes nothing.
    String limits = qos == null ? null : QosOption.check(spec, qos);
    req.setTenant(tenant == null ? "" : tenant).setQos(limits == null ? "" : limits);
    String group = qosGroup == null ? null : QosOption.checkGroup(spec, qosGroup);
    org.snipblock.node.admin.v1.Volume v = admin.call(c -> c.create(req.build()));
    output().volume(limits == null && group == null ? VolumeView.of(v)
        : VolumeView.of(v).withQos(admin.call(c -> c.setQos(name, limits, group))));
    return 0;
  }

  private long size() {
    if (positionalSize != null && sizeOption != null) {
      throw new ParameterException(spec.commandLine(), "give the size once: either SIZE or --size");
    }
    if (positionalSize == null && sizeOption == null) {
      throw new ParameterException(spec.commandLine(), "Missing required parameter: 'SIZE' (or give --size SIZE, e.g. 10G)");
    }
    return positionalSize != null ? positionalSize : sizeOption;
  }

  private void redundancy(CreateVolumeRequest.Builder req) {
    Choices.copies(spec, copies, minCopies);
    if (copies != null) {
      req.setCopies(copies);
    }
    if (minCopies != null) {
      req.setMinCopies(minCopies);
    }
    if (spread != null) {
      req.setSpread(Choices.spread(spec, spread));
    }
    if (mode != null) {
      req.setMode(Choices.mode(spec, mode));
    }
    if (sites != null) {
      String at = Choices.sites(spec, sites);
      req.setSites(at.equals(org.snipblock.cluster.topology.SiteList.ANY) ? "" : at);
    }
  }
}
