package org.snipblock.cluster.follow;

import io.grpc.ClientInterceptor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.snipblock.cluster.meta.ClusterMetadata;
import org.snipblock.cluster.proto.NodeRecord;
import org.snipblock.cluster.topology.Location;

/**
 * Where this node's traffic crosses the simulated WAN (a test-only setting): to every node whose
 * site differs from this node's, one {@link WanPacing} link shared by all calls to that node. Also
 * where a test's {@link LinkFaults} (cut and slowed links, set at run time) act on gRPC calls.
 */
public final class SimulatedWanLinks {
  private final String site;
  private final SiteSettings.SimulatedWan wan;
  private final ClusterMetadata metadata;
  private final Map<String, WanPacing> links = new ConcurrentHashMap<>();
  private final LinkFaults faults;

  /** @param sites its simulated WAN (null: no simulation, every answer is "direct") and whether links may be faulted */
  public SimulatedWanLinks(Location self, SiteSettings sites, ClusterMetadata metadata) {
    this.site = self.site();
    this.wan = sites.simulatedWan();
    this.metadata = metadata;
    this.faults = sites.linkFaults() ? new LinkFaults(metadata) : null;
  }

  /** The test's faults on this node's links, if the settings allow them. */
  public Optional<LinkFaults> faults() {
    return Optional.ofNullable(faults);
  }

  /**
   * What to add to gRPC calls to node {@code nodeId}: the delay of the simulated WAN if it is across
   * it, and the test's link faults (the outer one: a cut call never waits for the WAN first).
   */
  public List<ClientInterceptor> interceptorsTo(String nodeId) {
    List<ClientInterceptor> out = new ArrayList<>();
    metadata.node(nodeId).filter(this::across).ifPresent(n -> out.add(new WanDelay(link(n.getId()))));
    if (faults != null) {
      out.add(faults.interceptorTo(nodeId));
    }
    return out;
  }

  /** Nanoseconds a round-trip probe to the member at {@code member} ("host:port") is held back; 0 when direct. */
  public long probeDelayNanos(String member) {
    if (wan == null) {
      return 0;
    }
    for (NodeRecord n : metadata.nodes()) {
      if (n.getMember().equals(member)) {
        return across(n) ? wan.delay().toNanos() : 0;
      }
    }
    return 0;
  }

  private boolean across(NodeRecord n) {
    return wan != null && !Location.parse(n.getLocation()).site().equals(site);
  }

  private WanPacing link(String nodeId) {
    return links.computeIfAbsent(nodeId, id -> new WanPacing(wan));
  }
}
