package org.snipblock.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.snipblock.cluster.meta.Stripes;
import org.snipblock.cluster.proto.MetaCommand;
import org.snipblock.cluster.proto.ReplaceCopies;
import org.snipblock.cluster.proto.SetRedundancy;
import org.snipblock.cluster.proto.SnippetPlacement;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.cluster.topology.FailureDomain;
import org.snipblock.cluster.topology.NodeDescriptor;
import org.snipblock.cluster.topology.PlacementException;
import org.snipblock.cluster.topology.PlacementPolicy;
import org.snipblock.cluster.topology.SiteList;
import org.snipblock.store.VolumeAdminException;
import org.snipblock.store.VolumeAdminException.Reason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A live change of a volume's redundancy policy ({@code volume set --copies/--min-copies/--spread/--sites}).
 * Planned first, stripe by stripe, so a policy the cluster cannot hold is refused with nothing
 * changed: each stripe keeps the holders the new policy allows (the primary first, one per domain
 * at the new spread, only in the new sites, at most the new number less a slot for each named site
 * still without a copy), and placement chooses the rest. Then the policy goes
 * on record, the new holders are added stale (the primary resyncs them, throttled, progress in
 * {@code volume show}), and the holders that no longer fit are dropped only once every new copy is
 * in sync: no stripe ever has fewer in-sync copies than before.
 */
final class RedundancyChange {
  private static final Logger log = LoggerFactory.getLogger(RedundancyChange.class);

  /** What the change did. */
  record Result(String volume, int copies, int minCopies, String spread, List<String> sites, int added,
      int dropped) {}

  private record Plan(int stripe, List<String> keep, List<String> added, List<String> dropped) {}

  private final ClusterNode node;

  RedundancyChange(ClusterNode node) {
    this.node = node;
  }

  Result apply(String name, int copies, int minCopies, FailureDomain spread, List<String> sites, Duration timeout) {
    VolumeRecord v = node.metadata().volume(name).orElseThrow(() ->
        new VolumeAdminException(Reason.NOT_FOUND, "no volume named " + name));
    if (copies < 1 || minCopies < 1 || minCopies > copies) {
      throw new VolumeAdminException(Reason.INVALID_ARGUMENT, "volume " + name + ": copies " + copies
          + " and min-copies " + minCopies + " must be 1 <= min-copies <= copies");
    }
    String misfit = SiteList.misfit(sites, SiteNames.of(node.metadata()), copies);
    if (misfit != null) {
      throw new VolumeAdminException(Reason.INVALID_ARGUMENT, "volume " + name + ": " + misfit + "; nothing changed");
    }
    String primarySite = SiteNames.siteOf(node.metadata(), v.getPrimary()).orElse("");
    if (!sites.isEmpty() && !sites.contains(primarySite)) {
      throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "volume " + name + ": its primary " + v.getPrimary()
          + " is in site " + primarySite + ", not one of " + String.join(",", sites) + ": name site " + primarySite
          + " too until the primary moved (volume move-primary) to a copy in the new sites; nothing changed");
    }
    if (v.getMovingCount() > 0) {
      throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "volume " + name + " has copies moving (a drain, "
          + "relocation or migration); change its policy once they have moved");
    }
    List<Plan> plans = plan(v, copies, spread, sites);
    node.commit(MetaCommand.newBuilder().setSetRedundancy(SetRedundancy.newBuilder().setName(name).setCopies(copies)
        .setMinCopies(minCopies).setSpread(spread.label()).addAllSites(sites)).build());
    int added = 0;
    for (Plan p : plans) {
      if (!p.added().isEmpty()) {
        List<String> nodes = new ArrayList<>(v.getSnippets(p.stripe()).getNodesList());
        nodes.addAll(p.added());
        node.commit(MetaCommand.newBuilder().setReplaceCopies(ReplaceCopies.newBuilder().setName(name)
            .setSnippet(p.stripe()).addAllNodes(nodes).addAllAdded(p.added())).build());
        added += p.added().size();
      }
    }
    if (added > 0) {
      log.info("volume {}: {} copies added for copies={} spread={} sites={}; dropping the old ones once they are in "
          + "sync", name, added, copies, spread.label(), SiteList.label(sites));
      VolumeWait.until(node.metadata(), name, r -> plans.stream().allMatch(p -> p.added().stream()
          .noneMatch(n -> r.getSnippets(p.stripe()).getStaleList().contains(n))), timeout, "the new copies coming in sync");
    }
    int dropped = 0;
    for (Plan p : plans) {
      if (!p.dropped().isEmpty()) {
        SnippetPlacement now = node.metadata().volume(name).orElseThrow().getSnippets(p.stripe());
        List<String> nodes = new ArrayList<>(now.getNodesList());
        nodes.removeAll(p.dropped());
        node.commit(MetaCommand.newBuilder().setReplaceCopies(ReplaceCopies.newBuilder().setName(name)
            .setSnippet(p.stripe()).addAllNodes(nodes)).build());
        dropped += p.dropped().size();
      }
    }
    log.info("volume {}: now copies={} min-copies={} spread={} sites={} ({} copies added, {} dropped)", name, copies,
        minCopies, spread.label(), SiteList.label(sites), added, dropped);
    return new Result(name, copies, minCopies, spread.label(), sites, added, dropped);
  }

  private List<Plan> plan(VolumeRecord v, int copies, FailureDomain spread, List<String> sites) {
    List<NodeDescriptor> nodes = node.volumes().descriptors();
    Map<String, NodeDescriptor> byId = new HashMap<>();
    nodes.forEach(n -> byId.put(n.id(), n));
    List<Plan> plans = new ArrayList<>();
    for (int i = 0; i < v.getSnippetsCount(); i++) {
      List<String> current = new ArrayList<>(v.getSnippets(i).getNodesList());
      // The primary first: it keeps its copy whatever the policy.
      if (current.remove(v.getPrimary())) {
        current.add(0, v.getPrimary());
      }
      PlacementPolicy.Request request = new PlacementPolicy.Request(copies, spread, v.getPrimary(),
          Math.max(1, Stripes.bytesOf(v, i)), 1, sites);
      List<String> keep = keep(current, byId, request);
      List<String> added;
      try {
        added = node.placement().replace(nodes, request, keep);
      } catch (PlacementException e) {
        throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "volume " + v.getName() + " cannot have copies="
            + copies + " spread=" + spread.label() + (sites.isEmpty() ? "" : " sites=" + String.join(",", sites))
            + ": " + e.getMessage() + "; nothing changed");
      }
      List<String> dropped = new ArrayList<>(current);
      dropped.removeAll(keep);
      plans.add(new Plan(i, keep, added, dropped));
    }
    return plans;
  }

  /**
   * The holders of a stripe (primary first) that stay: in the request's sites, one per domain at its
   * spread, and leaving a slot for each named site that none of those kept is in.
   */
  private static List<String> keep(List<String> current, Map<String, NodeDescriptor> byId,
      PlacementPolicy.Request request) {
    List<String> keep = new ArrayList<>();
    Set<String> domains = new HashSet<>();
    Set<String> bare = new HashSet<>(request.sites());
    for (String h : current) {
      NodeDescriptor d = byId.get(h);
      if (d == null || !request.allows(d.location()) || domains.contains(d.location().domain(request.spread()))) {
        continue;
      }
      Set<String> bareAfter = new HashSet<>(bare);
      bareAfter.remove(d.location().site());
      if (keep.size() + 1 + bareAfter.size() <= request.copies()) {
        keep.add(h);
        domains.add(d.location().domain(request.spread()));
        bare = bareAfter;
      }
    }
    return keep;
  }
}
