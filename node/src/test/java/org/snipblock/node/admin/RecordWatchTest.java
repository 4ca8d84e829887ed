package org.snipblock.node.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.snipblock.node.admin.v1.AdminGrpc;
import org.snipblock.node.admin.v1.Record;
import org.snipblock.node.admin.v1.RecordEvent;
import org.snipblock.node.admin.v1.WatchRecordsRequest;

/**
 * One WatchRecords stream over real gRPC (its flow control decides when the watcher is slow): the
 * order of the events, a watcher falling too far behind, and a watcher going away.
 */
class RecordWatchTest {
  private final ExecutorService senders = Executors.newCachedThreadPool();
  private Server server;
  private ManagedChannel channel;
  /** What the test does with each watch the server accepts. */
  private volatile Consumer<RecordWatch> onWatch;
  private final CountDownLatch cancelled = new CountDownLatch(1);

  private AdminGrpc.AdminBlockingStub start(Consumer<RecordWatch> onWatch) throws Exception {
    this.onWatch = onWatch;
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(new AdminGrpc.AdminImplBase() {
          @Override
          public void watchRecords(WatchRecordsRequest req, StreamObserver<RecordEvent> out) {
            RecordWatchTest.this.onWatch.accept(new RecordWatch((ServerCallStreamObserver<RecordEvent>) out, senders));
          }
        }).build().start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
    return AdminGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws InterruptedException {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
    if (server != null) {
      server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
    senders.shutdownNow();
  }

  @Test
  void currentRecordsThenSyncedThenChangesEvenThoseThatCameFirst() throws Exception {
    Iterator<RecordEvent> events = start(w -> {
      w.change(event(RecordEvent.Type.PUT, "c", 1, 0));
      w.start(List.of(event(RecordEvent.Type.CURRENT, "a", 3, 0), event(RecordEvent.Type.CURRENT, "b", 1, 0)),
          cancelled::countDown);
      w.change(event(RecordEvent.Type.DELETED, "a", 3, 0));
    }).watchRecords(WatchRecordsRequest.newBuilder().setKind("vm").build());
    List<String> seen = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      RecordEvent e = events.next();
      seen.add(e.getType() + (e.hasRecord() ? " " + e.getRecord().getKey() : ""));
    }
    assertThat(seen).containsExactly("CURRENT a", "CURRENT b", "SYNCED", "PUT c", "DELETED a");
  }

  @Test
  void aWatcherTooFarBehindGetsWhatWasQueuedThenResourceExhausted() throws Exception {
    int pushed = RecordWatch.MAX_BEHIND + 4000;
    CompletableFuture<Void> allPushed = new CompletableFuture<>();
    Iterator<RecordEvent> events = start(w -> {
      w.start(List.of(), cancelled::countDown);
      // Pushed while the watcher reads nothing: 1 KiB each fills gRPC's window long before the end.
      senders.execute(() -> {
        for (int i = 0; i < pushed; i++) {
          w.change(event(RecordEvent.Type.PUT, String.format("k%06d", i), 1, 1024));
        }
        allPushed.complete(null);
      });
    }).watchRecords(WatchRecordsRequest.newBuilder().setKind("vm").build());
    assertThat(events.next().getType()).isEqualTo(RecordEvent.Type.SYNCED);
    allPushed.get(60, TimeUnit.SECONDS);
    int received = 0;
    StatusRuntimeException end = null;
    try {
      for (int i = 0; i < pushed && events.hasNext(); i++) {
        assertThat(events.next().getRecord().getKey()).as("in order, none skipped").isEqualTo(String.format("k%06d", i));
        received++;
      }
    } catch (StatusRuntimeException e) {
      end = e;
    }
    assertThat(end).as("ended after %d events", received).isNotNull();
    assertThat(end.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(end.getStatus().getDescription()).contains("watch again");
    assertThat(received).isBetween(RecordWatch.MAX_BEHIND, pushed - 1);
    assertThat(cancelled.await(10, TimeUnit.SECONDS)).as("the watch stopped listening").isTrue();
  }

  @Test
  void aWatcherThatGoesAwayStopsTheListening() throws Exception {
    start(w -> w.start(List.of(), cancelled::countDown));
    Iterator<RecordEvent> events = AdminGrpc.newBlockingStub(channel)
        .watchRecords(WatchRecordsRequest.newBuilder().setKind("vm").build());
    assertThat(events.next().getType()).isEqualTo(RecordEvent.Type.SYNCED);
    channel.shutdownNow();
    assertThat(cancelled.await(30, TimeUnit.SECONDS)).isTrue();
  }

  private static RecordEvent event(RecordEvent.Type type, String key, long version, int valueBytes) {
    return RecordEvent.newBuilder().setType(type).setRecord(Record.newBuilder().setKind("vm").setKey(key)
        .setVersion(version).setValue(ByteString.copyFrom(new byte[valueBytes]))).build();
  }
}
