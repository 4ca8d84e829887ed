package org.snipblock.node.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import org.snipblock.block.BlockDevice;
import org.snipblock.node.admin.v1.VolumeIo;
import org.snipblock.node.testing.MemoryVolumeManager;
import org.snipblock.store.VolumeSpec;

class MeteredCatalogTest {

  @Test
  void countsOperationsBytesAndFailuresPerVolume() {
    MemoryVolumeManager volumes = new MemoryVolumeManager();
    volumes.create(VolumeSpec.of("a", 1 << 20));
    volumes.create(VolumeSpec.of("b", 1 << 20));
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    IoMeters meters = new IoMeters(registry);
    MeteredCatalog catalog = new MeteredCatalog(volumes, meters, "iscsi");
    MeteredCatalog nbd = new MeteredCatalog(volumes, meters, "nbd");

    BlockDevice a = catalog.open("a").orElseThrow();
    a.write(0, ByteBuffer.allocate(8192), false).join();
    a.write(8192, ByteBuffer.allocate(512), true).join();
    a.read(0, ByteBuffer.allocate(4096)).join();
    a.flush().join();
    nbd.open("a").orElseThrow().read(0, ByteBuffer.allocate(512)).join();
    assertThatThrownBy(() -> a.read(1 << 20, ByteBuffer.allocate(512)).join()).hasMessageContaining("beyond");

    VolumeIo io = meters.snapshot("a");
    assertThat(io.getWrites()).isEqualTo(2);
    assertThat(io.getWrittenBytes()).isEqualTo(8192 + 512);
    assertThat(io.getReads()).as("summed over both doors").isEqualTo(3);
    assertThat(io.getReadBytes()).as("failed reads move no bytes").isEqualTo(4096 + 512);
    assertThat(registry.find("snipblock.volume.io").tags("volume", "a", "op", "read", "door", "nbd").timer().count())
        .isEqualTo(1);
    assertThat(io.getFlushes()).isEqualTo(1);
    assertThat(io.getErrors()).isEqualTo(1);
    assertThat(registry.find("snipblock.volume.io.errors").tag("kind", "OUT_OF_RANGE").counter()).isNotNull();

    assertThat(meters.snapshot("b")).isEqualTo(VolumeIo.getDefaultInstance());
    assertThat(catalog.names()).containsExactly("a", "b");
    assertThat(catalog.open("nope")).isEmpty();
  }
}
