package org.snipblock.node.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.snipblock.node.admin.v1.MigrateVolumeRequest;
import org.snipblock.node.admin.v1.MigrateVolumeResponse;
import org.snipblock.node.admin.v1.SitesGrpc;

/**
 * A volume migration lasts as long as its copying across the link takes, which the server bounds:
 * the client must not cut it at a fixed deadline (it cut a 256 MiB migration over 8 MB/s after
 * 60 s while the server carried it through), yet must not wait forever on a server that is gone.
 */
class LongAdminCallTest {
  /** The deadline of each call the server got; empty: none. */
  private final BlockingQueue<Optional<Deadline>> seen = new LinkedBlockingQueue<>();
  private final CountDownLatch arrived = new CountDownLatch(1);
  private AdminServer server;
  private AdminClient client;

  @AfterEach
  void stop() {
    if (client != null) {
      client.close();
    }
    if (server != null) {
      server.close();
    }
  }

  private void start(boolean answer) {
    server = AdminServer.start(new InetSocketAddress("127.0.0.1", 0), new SitesGrpc.SitesImplBase() {
      @Override
      public void migrateVolume(MigrateVolumeRequest req, StreamObserver<MigrateVolumeResponse> out) {
        seen.add(Optional.ofNullable(Context.current().getDeadline()));
        arrived.countDown();
        if (answer) {
          out.onNext(MigrateVolumeResponse.newBuilder().addSteps("done").build());
          out.onCompleted();
        }
      }
    });
    client = new AdminClient("127.0.0.1:" + server.port());
  }

  @Test
  void aMigrationReachesTheServerWithoutADeadlineEvenWithACatchUpBound() throws Exception {
    start(true);
    assertThat(client.migrate("db", "b", 0).getStepsList()).containsExactly("done");
    assertThat(seen.poll(10, TimeUnit.SECONDS)).isEmpty();
    assertThat(client.migrate("db", "b", 30).getStepsList()).containsExactly("done");
    assertThat(seen.poll(10, TimeUnit.SECONDS)).isEmpty();
  }

  @Test
  void aMigrationEndsWhenTheServerGoesAway() throws Exception {
    start(false);
    CompletableFuture<MigrateVolumeResponse> call = CompletableFuture.supplyAsync(() -> client.migrate("db", "b", 0));
    assertThat(arrived.await(30, TimeUnit.SECONDS)).isTrue();
    server.close();
    assertThatThrownBy(() -> call.get(30, TimeUnit.SECONDS)).cause().isInstanceOf(StatusRuntimeException.class)
        .satisfies(e -> assertThat(((StatusRuntimeException) e).getStatus().getCode())
            .isIn(Status.Code.UNAVAILABLE, Status.Code.CANCELLED));
  }
}
