package org.snipblock.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.snipblock.node.admin.AdminClient;
import org.snipblock.node.admin.v1.Record;
import org.snipblock.node.admin.v1.RecordEvent;
import org.snipblock.node.testing.DaemonProcess;
import org.snipblock.node.testing.Poll;
import org.snipblock.node.testing.ProcessCluster;
import org.snipblock.node.testing.ProcessClusters;

/**
 * The records the hypervisor adapter keeps its VMs in, through the admin API of three daemons:
 * written through one node, read from any, watched from another, and still there (and writable)
 * after the metadata leader is killed; the killed node catches up when it returns.
 */
class RecordsProcessIT {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @RegisterExtension final ProcessClusters clusters = new ProcessClusters();
  private ProcessCluster cluster;
  private final List<AdminClient> clients = new ArrayList<>();

  @AfterEach
  void stop() {
    clients.forEach(AdminClient::close);
  }

  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void recordsAreAnsweredByAnyNodeAndSurviveTheLossOfTheLeader() throws Exception {
    cluster = clusters.start("");
    String firstLeader = leader();
    // The watcher on a node that is not the leader, so it sees the leader's loss through.
    String watcher = firstLeader.equals("n3") ? "n1" : "n3";
    AdminClient c1 = client(firstLeader.equals("n1") ? "n3" : "n1");
    AdminClient c2 = client("n2");
    AdminClient c3 = client(watcher);
    LinkedBlockingQueue<RecordEvent> events = new LinkedBlockingQueue<>();
    AutoCloseable watch = c3.watchRecords("vm", "", collect(events));
    assertThat(next(events).getType()).as("nothing yet, then SYNCED").isEqualTo(RecordEvent.Type.SYNCED);

    Record created = c1.putRecord("vm", "web-1", utf8("{\"state\":\"creating\"}"), 0);
    assertThat(created.getVersion()).isEqualTo(1);
    for (AdminClient c : List.of(c2, c3)) {
      assertThat(await(c, "web-1", 1).getValue().toStringUtf8()).isEqualTo("{\"state\":\"creating\"}");
    }
    assertThat(status(() -> c2.putRecord("vm", "web-1", utf8("{}"), 0))).isEqualTo(Status.Code.ALREADY_EXISTS);
    StatusRuntimeException stale = (StatusRuntimeException) catchThrowable(() -> c3.putRecord("vm", "web-1",
        utf8("{}"), 7));
    assertThat(stale.getStatus().getCode()).isEqualTo(Status.Code.ABORTED);
    assertThat(stale.getStatus().getDescription()).contains("vm/web-1 is at version 1, not 7");
    assertThat(c2.putRecord("vm", "web-1", utf8("{\"state\":\"running\"}"), 1).getVersion()).isEqualTo(2);
    c2.putRecord("vm", "web-2", utf8("{}"), 0);
    c2.putRecord("host", "h1", utf8("{}"), 0);

    RecordEvent put1 = next(events);
    RecordEvent put2 = next(events);
    RecordEvent put3 = next(events);
    assertThat(List.of(put1, put2, put3)).extracting(e -> e.getType() + " " + e.getRecord().getKey() + "@"
        + e.getRecord().getVersion()).containsExactly("PUT web-1@1", "PUT web-1@2", "PUT web-2@1");
    assertThat(c3.listRecords("vm", "web-").stream().map(Record::getKey)).containsExactly("web-1", "web-2");

    String leader = leader();
    DaemonProcess killed = cluster.node(leader);
    killed.kill9();
    List<AdminClient> survivors = new ArrayList<>();
    for (String id : List.of("n1", "n2", "n3")) {
      if (!id.equals(leader)) {
        survivors.add(client(id));
      }
    }
    for (AdminClient c : survivors) {
      assertThat(c.getRecord("vm", "web-1").orElseThrow().getVersion()).as("read at %s without %s", c.target(), leader)
          .isEqualTo(2);
    }
    // A write needs a new leader: retried until the two survivors elected one.
    Record moved = Poll.until("a write without " + leader, WAIT, () -> attempt(() ->
        survivors.get(0).putRecord("vm", "web-1", utf8("{\"state\":\"restarting\"}"), 2)));
    assertThat(moved.getVersion()).isEqualTo(3);
    assertThat(await(survivors.get(1), "web-1", 3).getValue().toStringUtf8()).isEqualTo("{\"state\":\"restarting\"}");
    assertThat(survivors.get(1).deleteRecord("vm", "web-2", 1).getKey()).isEqualTo("web-2");

    killed.restart();
    AdminClient back = client(leader);
    assertThat(Poll.until(leader + " caught up", WAIT, () -> attempt(() -> back.listRecords("vm", ""))
        .filter(l -> l.size() == 1 && l.get(0).getVersion() == 3)).get(0).getKey()).isEqualTo("web-1");
    assertThat(back.getRecord("host", "h1")).isPresent();
    if (!leader.equals(watcher)) {
      // The watch saw the changes made while the old leader was down, in order.
      assertThat(List.of(next(events), next(events))).extracting(e -> e.getType() + " " + e.getRecord().getKey())
          .containsExactly("PUT web-1", "DELETED web-2");
    }
    watch.close();
  }

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void malformedRecordsGetOneClearErrorAndChangeNothing() throws Exception {
    cluster = clusters.start("");
    AdminClient c = client("n2");
    assertThat(describe(() -> c.putRecord("vm", "k", new byte[256 * 1024 + 1], 0)))
        .isEqualTo("INVALID_ARGUMENT: record vm/k: value of 262145 bytes is larger than the 256 KiB a record may hold");
    assertThat(describe(() -> c.putRecord("vm", "k".repeat(257), new byte[1], 0)))
        .contains("INVALID_ARGUMENT: record key must be 1..256 characters");
    assertThat(describe(() -> c.putRecord("VMs", "k", new byte[1], 0))).contains("record kind 'VMs'");
    assertThat(describe(() -> c.listRecords("", ""))).contains("INVALID_ARGUMENT");
    assertThat(describe(() -> c.deleteRecord("vm", "nosuch", 0))).isEqualTo("NOT_FOUND: no record vm/nosuch");
    assertThat(c.getRecord("vm", "k")).isEmpty();
    assertThat(c.listRecords("vm", "")).isEmpty();
  }

  private String leader() {
    return Poll.until("a metadata leader", WAIT, () -> Optional.of(ProcessCluster.json(cluster.node("n2")
        .cli("cluster", "status", "--json")).get("leader").asText()).filter(l -> !l.isEmpty()));
  }

  private AdminClient client(String id) {
    AdminClient c = new AdminClient(cluster.node(id).info().adminAddress());
    clients.add(c);
    return c;
  }

  /** The record once this node's copy has it at {@code version} (its reads may lag the leader by a commit). */
  private static Record await(AdminClient c, String key, long version) {
    return Poll.until(key + "@" + version + " at " + c.target(), WAIT, () -> attempt(() -> c.getRecord("vm", key))
        .flatMap(r -> r).filter(r -> r.getVersion() == version));
  }

  private static <T> Optional<T> attempt(java.util.function.Supplier<T> call) {
    try {
      return Optional.of(call.get());
    } catch (StatusRuntimeException e) {
      return Optional.empty();
    }
  }

  private static RecordEvent next(LinkedBlockingQueue<RecordEvent> events) throws InterruptedException {
    RecordEvent e = events.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(e).as("a watch event within %s", WAIT).isNotNull();
    return e;
  }

  private static StreamObserver<RecordEvent> collect(LinkedBlockingQueue<RecordEvent> events) {
    return new StreamObserver<>() {
      @Override
      public void onNext(RecordEvent e) {
        events.add(e);
      }

      @Override
      public void onError(Throwable t) {
        // Ended by the test's close (CANCELLED) or a node going away; the assertions on events say the rest.
      }

      @Override
      public void onCompleted() {
      }
    };
  }

  private static Status.Code status(Runnable call) {
    return ((StatusRuntimeException) catchThrowable(call)).getStatus().getCode();
  }

  private static String describe(Runnable call) {
    Status s = ((StatusRuntimeException) catchThrowable(call)).getStatus();
    return s.getCode() + ": " + s.getDescription();
  }

  private static Throwable catchThrowable(Runnable call) {
    try {
      call.run();
    } catch (RuntimeException e) {
      assertThat(e).isInstanceOf(StatusRuntimeException.class);
      return e;
    }
    throw new AssertionError("the call succeeded");
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
