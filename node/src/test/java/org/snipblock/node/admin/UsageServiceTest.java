package org.snipblock.node.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.node.admin.v1.ExportUsageRequest;
import org.snipblock.node.admin.v1.UsageExport;
import org.snipblock.node.admin.v1.UsageRow;
import org.snipblock.node.admin.v1.VolumeIo;
import org.snipblock.node.usage.UsageHours;
import org.snipblock.node.usage.UsagePeers;
import org.snipblock.node.usage.UsageSources;
import org.snipblock.store.VolumeInfo;

/**
 * The usage export's answer on a cluster node: its own rows and every other node's, sorted; a node
 * that fails to answer is named, not skipped silently; a tenant's caller gets its own rows only and
 * may not ask for another tenant's.
 */
class UsageServiceTest {
  private static final Instant TEN = Instant.parse("2026-12-07T10:00:00Z");

  @TempDir Path dir;

  /** n1 holds a1 (acme's) and g1 (globex's). */
  private UsageHours hours() throws IOException {
    Map<String, VolumeInfo> volumes = Map.of("a1", info(1, "a1"), "g1", info(2, "g1"));
    UsageHours h = UsageHours.open(dir, new UsageSources() {
      @Override
      public Set<String> metered() {
        return Set.of();
      }

      @Override
      public VolumeIo io(String volume) {
        return VolumeIo.getDefaultInstance();
      }

      @Override
      public Optional<VolumeInfo> info(String volume) {
        return Optional.ofNullable(volumes.get(volume));
      }

      @Override
      public List<VolumeInfo> heldHere() {
        return List.copyOf(volumes.values());
      }

      @Override
      public String tenantOf(String volume) {
        return volume.startsWith("a") ? "acme" : "globex";
      }
    }, TEN);
    h.tick(TEN.plusSeconds(30));
    return h;
  }

  private static VolumeInfo info(long id, String name) {
    return new VolumeInfo(id, name, 64L << 20, 65536, 512, false, 0, 0, 1, 0, Instant.EPOCH, false, null, null);
  }

  /** n2 answers with one row of each tenant (one without its node, as an older node would); n3 fails. */
  private static final UsagePeers PEERS = new UsagePeers() {
    @Override
    public List<String> nodes() {
      return List.of("n2", "n3");
    }

    @Override
    public CompletableFuture<UsageExport> ask(String node, ExportUsageRequest request) {
      assertThat(request.getTenant()).as("peers are asked for every row").isEmpty();
      if (node.equals("n3")) {
        return CompletableFuture.failedFuture(Status.UNAVAILABLE.withDescription("connection refused").asRuntimeException());
      }
      return CompletableFuture.completedFuture(UsageExport.newBuilder().setNode("n2")
          .addRows(UsageRow.newBuilder().setHourEpochSeconds(TEN.getEpochSecond()).setVolume("a1").setVolumeId(1)
              .setTenant("acme").setWrites(5).setNode("n2"))
          .addRows(UsageRow.newBuilder().setHourEpochSeconds(TEN.getEpochSecond()).setVolume("g1").setVolumeId(2)
              .setTenant("globex").setReads(2))
          .build());
    }
  };

  private record Answer(UsageExport export, Status error) {}

  private Answer export(Caller caller, ExportUsageRequest req) throws Exception {
    UsageService service = new UsageService("n1", hours(), () -> TEN.plusSeconds(40), PEERS);
    AtomicReference<Answer> answer = new AtomicReference<>();
    Context.current().withValue(Caller.KEY, caller).run(() -> service.exportUsage(req, new StreamObserver<>() {
      @Override
      public void onNext(UsageExport value) {
        answer.set(new Answer(value, null));
      }

      @Override
      public void onError(Throwable t) {
        answer.set(new Answer(null, Status.fromThrowable(t)));
      }

      @Override
      public void onCompleted() {}
    }));
    return answer.get();
  }

  private static List<String> rows(UsageExport e) {
    return e.getRowsList().stream().map(r -> r.getNode() + ":" + r.getTenant() + ":" + r.getVolume()).toList();
  }

  @Test
  void theOperatorGetsEveryNodesRowsAndTheNodesThatDidNotAnswer() throws Exception {
    UsageExport e = export(Caller.OPERATOR, ExportUsageRequest.getDefaultInstance()).export();
    assertThat(rows(e)).containsExactly("n1:acme:a1", "n1:globex:g1", "n2:acme:a1", "n2:globex:g1");
    assertThat(e.getMissingNodesList()).containsExactly("n3");
    assertThat(e.getRows(0).getProvisionedByteHours()).isEqualTo((64L << 20) * 30 / 3600);
    assertThat(e.getRows(2).getWrites()).isEqualTo(5);

    UsageExport globex = export(Caller.OPERATOR, ExportUsageRequest.newBuilder().setTenant("globex").build()).export();
    assertThat(rows(globex)).containsExactly("n1:globex:g1", "n2:globex:g1");
  }

  @Test
  void aTenantGetsItsOwnRowsOnlyAndMayNotAskForAnothers() throws Exception {
    Caller acme = new Caller("acme");
    assertThat(rows(export(acme, ExportUsageRequest.getDefaultInstance()).export()))
        .containsExactly("n1:acme:a1", "n2:acme:a1");
    assertThat(rows(export(acme, ExportUsageRequest.newBuilder().setTenant("acme").build()).export()))
        .containsExactly("n1:acme:a1", "n2:acme:a1");
    Status refused = export(acme, ExportUsageRequest.newBuilder().setTenant("globex").build()).error();
    assertThat(refused.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(refused.getDescription()).isEqualTo("tenant acme may not export the usage of tenant globex");
  }

  @Test
  void malformedRequestsAreRefusedWithOneLine() throws Exception {
    Status badTenant = export(Caller.OPERATOR, ExportUsageRequest.newBuilder().setTenant("Acme!").build()).error();
    assertThat(badTenant.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(badTenant.getDescription()).startsWith("invalid tenant name 'Acme!'");
    Status badRange = export(Caller.OPERATOR, ExportUsageRequest.newBuilder().setFromEpochSeconds(200)
        .setToEpochSeconds(100).build()).error();
    assertThat(badRange.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(badRange.getDescription()).doesNotContain("\n");
  }
}
