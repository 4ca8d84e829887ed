package org.snipblock.cluster.membership;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jgroups.Address;
import org.jgroups.JChannel;
import org.jgroups.Message;
import org.jgroups.Receiver;
import org.jgroups.View;
import org.jgroups.protocols.TCP;
import org.jgroups.stack.ProtocolStack;
import org.snipblock.block.DaemonThreads;
import org.snipblock.cluster.follow.LinkFaults;
import org.snipblock.cluster.follow.SimulatedWanLinks;
import org.jgroups.protocols.raft.Role;
import org.jgroups.raft.RaftHandle;
import org.jgroups.raft.StateMachine;
import org.snipblock.cluster.security.LinkTls;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's seat in the cluster: the JGroups channel (membership, failure detection), the raft
 * handle that replicates the metadata state machine, and RTT probing. Members are named by their
 * cluster endpoint "host:port", which is also their raft id.
 */
public final class ClusterMembership implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ClusterMembership.class);
  private static final String CLUSTER = "snipblock";

  private final Endpoint self;
  private final JChannel channel;
  private final RaftHandle raft;
  private final RttProbe rtt;
  private final RaftVoters voters;
  // A fresh data directory whose join list does not name this node: an explicit add at run time.
  private final boolean joining;
  private final ScheduledExecutorService timer;
  private final List<Consumer<Set<String>>> viewListeners = new CopyOnWriteArrayList<>();
  private volatile Set<String> view = Set.of();
  private volatile java.util.Optional<LinkFaults> linkFaults = java.util.Optional.empty();

  public ClusterMembership(Endpoint self, List<Endpoint> join, Path dataDir, StateMachine metadata) throws Exception {
    this(self, join, dataDir, null, metadata);
  }

  /** @param tls mutual TLS between members, or null for plaintext */
  public ClusterMembership(Endpoint self, List<Endpoint> join, Path dataDir, LinkTls tls, StateMachine metadata)
      throws Exception {
    this.self = self;
    Path raftDir = dataDir.resolve("raft");
    Files.createDirectories(raftDir);
    List<String> joinNames = join.stream().map(Endpoint::toString).toList();
    this.joining = !joinNames.contains(self.toString()) && RaftVoters.neverJoined(raftDir);
    String xml = ClusterStack.xml(self, join, RaftVoters.startingList(raftDir, joinNames), raftDir,
        tls == null ? "" : tls.jgroupsAttributes(dataDir.resolve("tls")));
    this.channel = new JChannel(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
    channel.name(self.toString());
    this.raft = new RaftHandle(channel, metadata);
    this.timer = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("cluster-probe-" + self));
    this.rtt = new RttProbe(channel, timer);
    this.voters = new RaftVoters(self.toString(), channel, raft, raftDir);
    channel.setReceiver(new Receiver() {
      @Override
      public void receive(Message msg) {
        if (!rtt.handle(msg) && !voters.handle(msg)) {
          log.debug("ignored message from {} ({} bytes)", msg.getSrc(), msg.getLength());
        }
      }

      @Override
      public void viewAccepted(View v) {
        Set<String> names = new TreeSet<>();
        v.getMembers().forEach(a -> names.add(String.valueOf(a)));
        Set<String> gone = new TreeSet<>(view);
        gone.removeAll(names);
        gone.forEach(rtt::forget);
        view = Set.copyOf(names);
        log.info("{}: cluster view {}", self, names);
        for (Consumer<Set<String>> l : viewListeners) {
          try {
            l.accept(view);
          } catch (RuntimeException e) {
            log.warn("view listener failed", e);
          }
        }
      }
    });
  }

  /** Joins the cluster; returns at once even when no other member is up yet. */
  public void start() throws Exception {
    channel.connect(CLUSTER);
    timer.scheduleWithFixedDelay(() -> {
      View v = channel.getView();
      if (v != null) {
        rtt.probe(v.getMembers());
      }
    }, 0, 1, TimeUnit.SECONDS);
    if (joining) {
      // Asks the leader until this node is a voter. A node removed from the voters never asks again
      // on its own: it comes back only as a new member (a fresh data directory and --join).
      timer.scheduleWithFixedDelay(voters::joinStep, 1, 1, TimeUnit.SECONDS);
    }
  }

  /** The metadata voters' endpoint names (raft members) as this node knows them. */
  public List<String> voters() {
    return voters.current();
  }

  /** True when this node started on a fresh data directory with a join list that does not name it. */
  public boolean joiningAtRunTime() {
    return joining;
  }

  /** Takes a member out of the metadata voters (through the leader); completes once committed. */
  public CompletableFuture<byte[]> removeVoter(String member) {
    return voters.remove(member);
  }

  /**
   * Proposes a metadata command; completes with the state machine's answer once a majority of
   * voters has the command in its log and it is applied. Any member may propose: REDIRECT sends
   * it to the leader. Fails if no leader can be had within the timeout (e.g. on a minority side).
   */
  public CompletableFuture<byte[]> propose(byte[] command, Duration timeout) {
    try {
      return raft.setAsync(command, 0, command.length).orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  public Endpoint self() {
    return self;
  }

  /** Each member of the current view by endpoint name, with its process: its JGroups address, new at every start. */
  public java.util.Map<String, String> incarnations() {
    View v = channel.getView();
    java.util.Map<String, String> out = new java.util.TreeMap<>();
    if (v != null) {
      for (Address a : v.getMembers()) {
        out.put(String.valueOf(a), a instanceof org.jgroups.util.UUID u ? u.toStringLong() : a.toString());
      }
    }
    return out;
  }

  /** The members in the current view, by endpoint name. */
  public Set<String> view() {
    return view;
  }

  /** True while the current view holds a majority of the metadata voters. */
  public boolean inMajority() {
    // The voters as raft knows them now: nodes join and leave them at run time.
    List<String> voters = voters();
    return view().stream().filter(voters::contains).count() * 2 > voters.size();
  }

  public void onViewChange(Consumer<Set<String>> listener) {
    viewListeners.add(listener);
  }

  public void onRoleChange(Consumer<Role> listener) {
    raft.addRoleListener(listener::accept);
  }

  public boolean isLeader() {
    return raft.isLeader();
  }

  /** Endpoint name of the current raft leader, or null when none is known. */
  public String leader() {
    Address a = raft.leader();
    return a == null ? null : String.valueOf(a);
  }

  public long term() {
    return raft.currentTerm();
  }

  public long commitIndex() {
    return raft.commitIndex();
  }

  /** Smoothed round trips (ms) from this node to other members, by endpoint name. */
  public Map<String, Double> rttMillis() {
    return rtt.rttMillis();
  }

  /**
   * For tests: round-trip probes to a member across the simulated WAN are held back by its delay,
   * and a test's link faults, if allowed, act on the cluster channel too ({@link LinkFilter}).
   */
  public void simulateLinks(SimulatedWanLinks wan) throws java.io.IOException {
    rtt.holdBack(wan::probeDelayNanos);
    if (wan.faults().isPresent()) {
      LinkFilter filter = new LinkFilter();
      try {
        channel.getProtocolStack().insertProtocol(filter, ProtocolStack.Position.ABOVE, TCP.class);
        filter.init();
        filter.start();
      } catch (Exception e) {
        throw new java.io.IOException("cannot add the link fault filter to the cluster channel: " + e, e);
      }
      wan.faults().get().onChange(filter::set);
    }
    linkFaults = wan.faults();
  }

  /** The test's faults on this node's links, if its settings allow them (see {@link #simulateLinks}). */
  public java.util.Optional<LinkFaults> linkFaults() {
    return linkFaults;
  }

  /** For fault-injection tests only: the live channel. */
  public JChannel channel() {
    return channel;
  }

  @Override
  public void close() {
    timer.shutdownNow();
    channel.close();
  }
}
