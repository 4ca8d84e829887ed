package org.snipblock.node.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.node.OperatorError;
import org.snipblock.node.config.NodeConfig;
import org.snipblock.node.config.NodeOptions;
import org.snipblock.node.config.VolumeDeclaration;
import org.snipblock.node.testing.MemoryVolumeManager;

class NodeTest {
  @TempDir Path dir;

  private NodeConfig config(int adminPort, VolumeDeclaration... volumes) {
    return NodeConfig.resolve(new NodeOptions(dir, "127.0.0.1", 0, 0, adminPort, List.of(volumes), "n1", null,
        null, List.of()));
  }

  @Test
  void writesNodeJsonWithTheBoundPortsAndRemovesItOnShutdown() {
    MemoryVolumeManager volumes = new MemoryVolumeManager();
    try (Node node = Node.start(config(0), DataDir.claim(dir), volumes, volumes)) {
      NodeInfo info = NodeInfo.readFrom(dir).orElseThrow();
      assertThat(info).isEqualTo(node.info());
      assertThat(info.pid()).isEqualTo(ProcessHandle.current().pid());
      assertThat(info.adminPort()).isPositive();

      node.close();
      assertThat(NodeInfo.readFrom(dir)).isEmpty();
      assertThat(volumes.closed()).isTrue();
      node.close(); // twice is harmless
    }
  }

  @Test
  void createsDeclaredVolumesOnlyWhenAbsent() {
    MemoryVolumeManager volumes = new MemoryVolumeManager();
    volumes.create(new VolumeDeclaration("old", 1 << 20, 0, 512, false).spec());
    try (Node node = Node.start(config(0, new VolumeDeclaration("old", 2 << 20, 0, 512, false),
        new VolumeDeclaration("new", 4 << 20, 0, 4096, false)), DataDir.claim(dir), volumes, volumes)) {
      assertThat(volumes.show("old").orElseThrow().provisionedBytes()).as("left as it was").isEqualTo(1 << 20);
      assertThat(volumes.show("new").orElseThrow().blockSize()).isEqualTo(4096);
    }
  }

  @Test
  void aVolumeThatDoesNotFitIsADiskFullErrorAndNothingIsLeftRunning() {
    MemoryVolumeManager volumes = new MemoryVolumeManager(1 << 20);
    assertThatThrownBy(() -> Node.start(config(0, new VolumeDeclaration("big", 2 << 20, 0, 512, false)),
        DataDir.claim(dir), volumes, volumes))
        .isInstanceOf(OperatorError.class)
        .hasMessageStartingWith("cannot create volume 'big': disk full: ");
    assertThat(volumes.closed()).isTrue();
    DataDir.claim(dir).close(); // released
  }

  @Test
  void aPortInUseIsNamedAndEverythingStartedIsClosedAgain() throws IOException {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      MemoryVolumeManager volumes = new MemoryVolumeManager();
      assertThatThrownBy(() -> Node.start(config(taken.getLocalPort()), DataDir.claim(dir), volumes, volumes))
          .isInstanceOf(OperatorError.class)
          .hasMessageStartingWith("cannot listen on 127.0.0.1:" + taken.getLocalPort() + " for the admin API");
      assertThat(volumes.closed()).isTrue();
      assertThat(NodeInfo.readFrom(dir)).isEmpty();
    }
    DataDir.claim(dir).close();
  }

  @Test
  void aDataDirectoryIsHeldByOneNodeAtATime() {
    try (DataDir held = DataDir.claim(dir)) {
      assertThatThrownBy(() -> DataDir.claim(dir))
          .isInstanceOf(OperatorError.class)
          .hasMessageContaining("is in use");
    }
    DataDir.claim(dir).close();
  }

  @Test
  void aDataDirectoryThatCannotBeMadeIsAClearError() throws IOException {
    Path file = Files.writeString(dir.resolve("file"), "x");
    assertThatThrownBy(() -> DataDir.claim(file))
        .isInstanceOf(OperatorError.class)
        .hasMessageContaining("is not a directory");
    assertThatThrownBy(() -> DataDir.claim(file.resolve("sub")))
        .isInstanceOf(OperatorError.class)
        .hasMessageStartingWith("cannot create data directory " + file.resolve("sub"));
  }
}
