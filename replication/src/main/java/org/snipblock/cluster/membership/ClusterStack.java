package org.snipblock.cluster.membership;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The JGroups protocol stack of a node: TCP with a static member list (TCPPING), failure
 * detection by socket (FD_SOCK2, catches a killed process at once) and by heartbeat (FD_ALL3,
 * catches a hung or cut-off one), merging after partitions (MERGE3), and jgroups-raft on top
 * (ELECTION2 with pre-vote, RAFT, REDIRECT so any member may propose).
 * Timeouts are short because members share a LAN or a site interconnect. Followers learn of a
 * commit with the leader's next append or resend (every 200 ms). Telling them at once
 * (send_commits_immediately) was tried for the planned handover: three of about a dozen test
 * clusters started under load then had a node's own registration unapplied after 10 s, so it stays
 * off (the handover appends one more entry instead).
 */
final class ClusterStack {
  private ClusterStack() {}

  /**
   * @param join    where to find the cluster (TCPPING's hosts)
   * @param voters  the raft members this node starts from (raft replays the log's changes onto it)
   * @param tls     attributes of the TCP transport that turn on TLS, or empty
   */
  static String xml(Endpoint self, List<Endpoint> join, List<String> voters, Path raftDir, String tls) {
    String initialHosts = join.stream().map(e -> e.host() + "[" + e.port() + "]").collect(Collectors.joining(","));
    String members = String.join(",", voters);
    return """
        <config xmlns="urn:org:jgroups">
          <TCP bind_addr="%s" bind_port="%d" port_range="0" diag.enabled="false"
               thread_pool.min_threads="2" thread_pool.max_threads="50" %s/>
          <TCPPING initial_hosts="%s" port_range="0" async_discovery="true" return_entire_cache="true"/>
          <MERGE3 min_interval="1s" max_interval="3s"/>
          <FD_SOCK2 offset="200" port_range="20"/>
          <FD_ALL3 timeout="4s" interval="1s"/>
          <VERIFY_SUSPECT2 timeout="1s"/>
          <pbcast.NAKACK2 use_mcast_xmit="false"/>
          <UNICAST3/>
          <pbcast.STABLE desired_avg_gossip="10s" max_bytes="4M"/>
          <raft.NO_DUPES/>
          <pbcast.GMS print_local_addr="false" join_timeout="3s"/>
          <UFC max_credits="4M" min_threshold="0.4"/>
          <MFC max_credits="4M" min_threshold="0.4"/>
          <FRAG4 frag_size="60K"/>
          <raft.ELECTION2/>
          <raft.RAFT members="%s" raft_id="%s" log_dir="%s" log_use_fsync="true" resend_interval="200"
                     max_log_size="10000"/>
          <raft.REDIRECT/>
        </config>
        """.formatted(self.host(), self.port(), tls, initialHosts, members, self, raftDir.toAbsolutePath());
  }
}
