package org.snipblock.cluster.membership;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.cluster.meta.ClusterMetadata;
import org.snipblock.cluster.meta.MetadataClient;
import org.snipblock.cluster.proto.MetaCommand;
import org.snipblock.cluster.proto.MetaResult;
import org.snipblock.cluster.proto.NodeRecord;
import org.snipblock.cluster.proto.PutRecord;
import org.snipblock.cluster.proto.RegisterNode;
import org.snipblock.cluster.testing.Eventually;
import org.snipblock.block.FreePorts;

/** Three members in one JVM on 127.0.0.1: JGroups 5.5 with jgroups-raft 1.1 elect, replicate, probe. */
class ClusterMembershipTest {
  @TempDir Path dir;
  private final List<ClusterMembership> members = new ArrayList<>();
  private final List<ClusterMetadata> machines = new ArrayList<>();

  @AfterEach
  void stop() {
    members.forEach(ClusterMembership::close);
  }

  private List<Endpoint> startThree() throws Exception {
    List<Endpoint> join = FreePorts.take(3).stream().map(p -> new Endpoint("127.0.0.1", p)).toList();
    for (int i = 0; i < 3; i++) {
      ClusterMetadata sm = new ClusterMetadata();
      ClusterMembership m = new ClusterMembership(join.get(i), join, dir.resolve("n" + i), sm);
      machines.add(sm);
      members.add(m);
    }
    for (ClusterMembership m : members) {
      m.start();
    }
    return join;
  }

  @Test
  void electsOneLeaderAndReplicatesCommandsProposedAnywhere() throws Exception {
    startThree();
    Eventually.await("a full view and one leader", Duration.ofSeconds(30),
        () -> members.stream().allMatch(m -> m.view().size() == 3 && m.leader() != null));
    assertThat(members.stream().filter(ClusterMembership::isLeader).count()).isEqualTo(1);

    ClusterMembership follower = members.stream().filter(m -> !m.isLeader()).findFirst().orElseThrow();
    MetaCommand cmd = MetaCommand.newBuilder().setRegisterNode(RegisterNode.newBuilder()
        .setNode(NodeRecord.newBuilder().setId("a").setMember(follower.self().toString()).setLocation("s/c/r/h")))
        .build();
    MetaResult r = MetaResult.parseFrom(follower.propose(cmd.toByteArray(), Duration.ofSeconds(10))
        .get(15, TimeUnit.SECONDS));
    assertThat(r.getOk()).isTrue();
    Eventually.await("the command applied on every member", Duration.ofSeconds(10),
        () -> machines.stream().allMatch(sm -> sm.node("a").isPresent()));

    Eventually.await("round trips measured to both peers", Duration.ofSeconds(15),
        () -> members.stream().allMatch(m -> m.rttMillis().size() == 2));
    assertThat(members.get(0).rttMillis().values()).allMatch(v -> v > 0 && v < 5000);
  }

  /**
   * A follower learns of a commit only with the leader's next append (up to 200 ms later): a record
   * written through it and read back from it at once must still show the write (the hypervisor
   * adapter's controller confirms its lease so, right after renewing it).
   */
  @Test
  void aFollowerReadsAtOnceWhatWasCommittedThroughIt() throws Exception {
    startThree();
    Eventually.await("a full view and one leader", Duration.ofSeconds(30),
        () -> members.stream().allMatch(m -> m.view().size() == 3 && m.leader() != null));
    int f = members.indexOf(members.stream().filter(m -> !m.isLeader()).findFirst().orElseThrow());
    MetadataClient client = new MetadataClient(members.get(f), machines.get(f), Duration.ofSeconds(10));
    for (long version = 1; version <= 10; version++) {
      PutRecord.Builder put = PutRecord.newBuilder().setKind("lease").setKey("controller")
          .setValue(ByteString.copyFromUtf8("renewal " + version)).setExpectedVersion(version - 1);
      assertThat(client.commitSeen(MetaCommand.newBuilder().setPutRecord(put).build()).getRecord().getVersion())
          .isEqualTo(version);
      assertThat(machines.get(f).record("lease", "controller").orElseThrow().getVersion())
          .as("the follower's copy right after its commit returned").isEqualTo(version);
    }
    // a refused compare-and-set is in the log too: the follower shows the version that beat it
    MetaCommand stale = MetaCommand.newBuilder().setPutRecord(PutRecord.newBuilder().setKind("lease")
        .setKey("controller").setValue(ByteString.copyFromUtf8("late")).setExpectedVersion(3)).build();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> client.commitSeen(stale))
        .hasMessageContaining("is at version 10, not 3");
    assertThat(machines.get(f).record("lease", "controller").orElseThrow().getValue().toStringUtf8())
        .isEqualTo("renewal 10");
  }

  @Test
  void aMinorityCannotCommit() throws Exception {
    startThree();
    Eventually.await("a full view and one leader", Duration.ofSeconds(30),
        () -> members.stream().allMatch(m -> m.view().size() == 3 && m.leader() != null));
    ClusterMembership survivor = members.get(0);
    members.get(1).close();
    members.get(2).close();
    MetaCommand cmd = MetaCommand.newBuilder().setRegisterNode(RegisterNode.newBuilder()
        .setNode(NodeRecord.newBuilder().setId("lonely").setMember(survivor.self().toString()))).build();
    var f = survivor.propose(cmd.toByteArray(), Duration.ofSeconds(3));
    assertThat(f).failsWithin(Duration.ofSeconds(10));
    assertThat(machines.get(0).node("lonely")).isEmpty();
  }
}
