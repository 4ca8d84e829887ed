package org.snipblock.node.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.block.BlockDevice;
import org.snipblock.node.admin.v1.NodeStatusResponse;
import org.snipblock.node.admin.v1.SetVolumeAccessRequest;
import org.snipblock.node.admin.v1.Volume;
import org.snipblock.node.config.NodeConfig;
import org.snipblock.node.config.NodeOptions;
import org.snipblock.node.daemon.DataDir;
import org.snipblock.node.daemon.Node;
import org.snipblock.node.testing.MemoryVolumeManager;

/** The admin API over a real gRPC socket, against a node whose volumes live in RAM. */
class AdminApiTest {
  private static final long CAPACITY = 64L << 20;

  @TempDir Path dir;
  private MemoryVolumeManager volumes;
  private Node node;
  private AdminClient client;

  @BeforeEach
  void start() {
    volumes = new MemoryVolumeManager(CAPACITY);
    NodeConfig config = NodeConfig.resolve(new NodeOptions(dir, "127.0.0.1", 0, 0, 0, List.of(), "n1",
        "s1/c1/r1/h1", null, List.of()));
    node = Node.start(config, DataDir.claim(dir), volumes, volumes);
    client = new AdminClient(node.info().adminAddress());
  }

  @AfterEach
  void stop() {
    client.close();
    node.close();
  }

  @Test
  void volumeRoundTrip() {
    Volume created = client.create("vol0", 16 << 20, 0, 4096, true);
    assertThat(created.getName()).isEqualTo("vol0");
    assertThat(created.getProvisionedBytes()).isEqualTo(16 << 20);
    assertThat(created.getUsedBytes()).isZero();
    assertThat(created.getBlockSize()).isEqualTo(4096);
    assertThat(created.getCompression()).isTrue();
    client.create("vol1", 8 << 20, 0, 0, false);

    assertThat(client.list()).extracting(Volume::getName).containsExactly("vol0", "vol1");
    assertThat(client.show("vol1").getBlockSize()).as("0 means 512").isEqualTo(512);

    client.delete("vol0");
    assertThat(client.list()).extracting(Volume::getName).containsExactly("vol1");
  }

  @Test
  void showReportsUsedBytesAndIoOfWhatWasWritten() {
    client.create("thin", 16 << 20, 0, 512, false);
    BlockDevice device = volumes.open("thin").orElseThrow();
    device.write(1 << 20, ByteBuffer.wrap(new byte[8192]), false).join();

    Volume shown = client.show("thin");
    assertThat(shown.getProvisionedBytes()).isEqualTo(16 << 20);
    assertThat(shown.getUsedBytes()).isEqualTo(8192);
  }

  @Test
  void failuresCarryTheRightStatusAndTheStoresMessage() {
    client.create("vol0", 1 << 20, 0, 512, false);
    assertStatus(() -> client.create("vol0", 1 << 20, 0, 512, false), Status.Code.ALREADY_EXISTS, "already exists");
    assertStatus(() -> client.create("Bad Name!", 1 << 20, 0, 512, false), Status.Code.INVALID_ARGUMENT,
        "invalid volume name");
    assertStatus(() -> client.create("big", CAPACITY, 0, 512, false), Status.Code.RESOURCE_EXHAUSTED, "no space");
    assertStatus(() -> client.create("empty", 0, 0, 512, false), Status.Code.INVALID_ARGUMENT, "must be positive");
    assertStatus(() -> client.show("nope"), Status.Code.NOT_FOUND, "no volume named 'nope'");
    assertStatus(() -> client.delete("nope"), Status.Code.NOT_FOUND, "no volume named 'nope'");
    assertStatus(() -> client.resize("nope", 2 << 20), Status.Code.NOT_FOUND, "no volume named 'nope'");
    assertStatus(() -> client.resize("vol0", 2 << 20), Status.Code.FAILED_PRECONDITION, "cannot resize");
    assertStatus(() -> client.resize("vol0", -1), Status.Code.INVALID_ARGUMENT, "must be positive");
    // The node is still serving after every refusal.
    assertThat(client.list()).extracting(Volume::getName).containsExactly("vol0");
  }

  @Test
  void recordsAndClusterWideAccessNeedACluster() {
    client.create("vol0", 1 << 20, 0, 512, false);
    assertStatus(() -> client.putRecord("vm", "a", new byte[1], 0), Status.Code.FAILED_PRECONDITION,
        "records need a cluster");
    assertStatus(() -> client.listRecords("vm", ""), Status.Code.FAILED_PRECONDITION, "records need a cluster");
    assertStatus(() -> client.getRecord("vm", "a"), Status.Code.FAILED_PRECONDITION, "records need a cluster");
    assertStatus(() -> client.deleteRecord("vm", "a", 0), Status.Code.FAILED_PRECONDITION, "records need a cluster");
    assertStatus(() -> client.showVolumeAccess("vol0"), Status.Code.FAILED_PRECONDITION,
        "allowed-initiators and NBD allowed-certificate-names come from its config file");
    assertStatus(() -> client.setVolumeAccess(SetVolumeAccessRequest.newBuilder().setVolume("vol0")
        .addAllowInitiators("iqn.2026-12.x:a").build()), Status.Code.FAILED_PRECONDITION, "needs a cluster");
  }

  @Test
  void nodeStatusTellsWhereAndWhat() {
    client.create("vol0", 4 << 20, 0, 512, false);
    NodeStatusResponse s = client.status();
    assertThat(s.getNodeId()).isEqualTo("n1");
    assertThat(s.getLocation()).isEqualTo("s1/c1/r1/h1");
    assertThat(s.getPid()).isEqualTo(ProcessHandle.current().pid());
    assertThat(s.getAdminPort()).isEqualTo(node.info().adminPort()).isPositive();
    assertThat(s.getDataDir()).isEqualTo(dir.toAbsolutePath().toString());
    assertThat(s.getVolumes()).isEqualTo(1);
    assertThat(s.getProvisionedBytes()).isEqualTo(4 << 20);
    assertThat(s.getTransport()).isIn("epoll", "nio");
  }

  private static void assertStatus(Runnable call, Status.Code code, String message) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(code);
          assertThat(e.getStatus().getDescription()).contains(message);
        });
  }
}
