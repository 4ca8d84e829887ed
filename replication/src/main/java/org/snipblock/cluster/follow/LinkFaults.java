package org.snipblock.cluster.follow;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.snipblock.cluster.meta.ClusterMetadata;
import org.snipblock.cluster.proto.NodeRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Faults on this node's links to other nodes, set at run time by a test (config
 * {@code cluster.sites.link-faults: true}, TESTS ONLY): links <em>cut</em> to some nodes, and links
 * <em>slowed</em> by a delay to some nodes. A real partition is made by setting it on both sides,
 * so it covers both kinds of traffic between nodes: gRPC (replication, door forwarding) here, where
 * a call to a cut node fails at once and the calls already open to it are cancelled when it is cut;
 * the cluster channel (membership, raft) in the JGroups protocol the membership installs, which
 * {@link #onChange} tells the members (JGroups endpoint names) to cut and slow.
 */
public final class LinkFaults {
  private static final Logger log = LoggerFactory.getLogger(LinkFaults.class);

  /** The faults on this node's links: node ids cut off, node ids slowed, and by how much. */
  public record State(Set<String> cut, Set<String> slow, Duration delay) {
    public static final State NONE = new State(Set.of(), Set.of(), Duration.ZERO);

    public State {
      cut = Set.copyOf(new TreeSet<>(cut));
      slow = Set.copyOf(new TreeSet<>(slow));
      if (delay == null || delay.isNegative() || delay.compareTo(Duration.ofSeconds(1)) > 0) {
        throw new IllegalArgumentException("link delay must be 0..1s, got " + delay);
      }
      if (!slow.isEmpty() && delay.isZero()) {
        throw new IllegalArgumentException("slowed links need a delay above 0");
      }
    }
  }

  /** The same faults named by cluster-channel member ("host:port"), for the JGroups protocol. */
  public record Members(Set<String> cut, Set<String> slow, Duration delay) {}

  private final ClusterMetadata metadata;
  private final Set<Call<?, ?>> open = ConcurrentHashMap.newKeySet();
  private final List<Consumer<Members>> listeners = new CopyOnWriteArrayList<>();
  private volatile State state = State.NONE;
  private volatile WanPacing slowPacing;

  public LinkFaults(ClusterMetadata metadata) {
    this.metadata = metadata;
  }

  public State state() {
    return state;
  }

  /**
   * Replaces the faults on this node's links.
   *
   * @throws IllegalArgumentException naming a node the metadata does not know (nothing changed)
   */
  public synchronized void set(State next) {
    Members members = new Members(members(next.cut()), members(next.slow()), next.delay());
    slowPacing = next.slow().isEmpty() ? null : new WanPacing(new SiteSettings.SimulatedWan(next.delay(), 0));
    state = next;
    log.warn("link faults (test): cut to {}, slowed by {} to {}", next.cut(), next.delay(), next.slow());
    listeners.forEach(l -> l.accept(members));
    for (Call<?, ?> c : open) {
      if (next.cut().contains(c.node)) {
        c.cut();
      }
    }
  }

  /** Tells {@code listener} the members to cut and slow on every change (the cluster channel's side). */
  public void onChange(Consumer<Members> listener) {
    listeners.add(listener);
  }

  private Set<String> members(Set<String> nodeIds) {
    Set<String> out = new TreeSet<>();
    for (String id : nodeIds) {
      out.add(metadata.node(id).map(NodeRecord::getMember).orElseThrow(() ->
          new IllegalArgumentException("no node " + id + " in the cluster")));
    }
    return out;
  }

  /** The interceptor of every gRPC call to node {@code nodeId}: refused while cut, delayed while slowed. */
  ClientInterceptor interceptorTo(String nodeId) {
    return new ClientInterceptor() {
      @Override
      public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        if (state.cut().contains(nodeId)) {
          return new Refused<>(nodeId);
        }
        WanPacing pacing = state.slow().contains(nodeId) ? slowPacing : null;
        ClientCall<Q, R> call = next.newCall(method, options);
        return new Call<>(nodeId, pacing == null ? call : new WanDelay.Delayed<>(call, pacing));
      }
    };
  }

  /** A call to another node, refused if its link is cut when it starts, cancelled if it is cut later. */
  private final class Call<Q, R> extends ForwardingClientCall.SimpleForwardingClientCall<Q, R> {
    private final String node;
    private volatile boolean cutOff;

    Call(String node, ClientCall<Q, R> call) {
      super(call);
      this.node = node;
    }

    @Override
    public void start(Listener<R> responseListener, Metadata headers) {
      Listener<R> listener = new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(responseListener) {
        @Override
        public void onClose(Status status, Metadata trailers) {
          open.remove(Call.this);
          // A cut looks to the caller as a lost connection does (UNAVAILABLE), not as its own cancel.
          super.onClose(cutOff ? Status.UNAVAILABLE.withDescription("link to " + node + " cut (test fault)")
              : status, trailers);
        }
      };
      open.add(this);
      super.start(listener, headers);
    }

    void cut() {
      cutOff = true;
      delegate().cancel("link to " + node + " cut (test fault)", null);
    }
  }

  /** A call to a node whose link is cut: it fails as a lost connection does, and never reaches the wire. */
  private static final class Refused<Q, R> extends ClientCall<Q, R> {
    private final String node;

    Refused(String node) {
      this.node = node;
    }

    @Override
    public void start(Listener<R> listener, Metadata headers) {
      // Not inside start(): gRPC never closes a call from within its start either.
      WanPacing.TIMER.execute(() -> listener.onClose(
          Status.UNAVAILABLE.withDescription("link to " + node + " cut (test fault)"), new Metadata()));
    }

    @Override
    public void request(int numMessages) {}

    @Override
    public void cancel(String message, Throwable cause) {}

    @Override
    public void halfClose() {}

    @Override
    public void sendMessage(Q message) {}
  }
}
