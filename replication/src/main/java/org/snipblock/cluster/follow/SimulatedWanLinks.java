package org.snipblock.cluster.follow;

import io.grpc.ClientInterceptor;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.snipblock.cluster.meta.ClusterMetadata;
import org.snipblock.cluster.proto.NodeRecord;
import org.snipblock.cluster.topology.Location;

/**
 * Where this node's traffic crosses the simulated WAN (a test-only setting): to every node whose
 * site differs from this node's, one {@link WanPacing} link shared by all calls to that node.
 */
public final class SimulatedWanLinks {
  private final String site;
  private final SiteSettings.SimulatedWan wan;
  private final ClusterMetadata metadata;
  private final Map<String, WanPacing> links = new ConcurrentHashMap<>();

  /** @param wan null: no simulation, every answer is "direct" */
  public SimulatedWanLinks(Location self, SiteSettings.SimulatedWan wan, ClusterMetadata metadata) {
    this.site = self.site();
    this.wan = wan;
    this.metadata = metadata;
  }

  /** The delay to add to gRPC calls to node {@code nodeId}, if it is across the simulated WAN. */
  public Optional<ClientInterceptor> interceptorTo(String nodeId) {
    return metadata.node(nodeId).filter(this::across).map(n -> new WanDelay(link(n.getId())));
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
