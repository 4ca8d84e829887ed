package org.snipblock.cluster.replica;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.snipblock.block.BlockDevice;
import org.snipblock.block.MemoryBlockDevice;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.store.qos.BackgroundBudget;
import org.snipblock.store.qos.ClientLoad;

/**
 * Comparing a copy with a holder's reads the data of every snippet compared here, even where
 * nothing differs: those reads are charged to the node's background budget like the copies are;
 * holes, which read as zeroes without the disk, are not (a big sparse volume's resync would crawl at
 * the budget's rate otherwise). The holder is a real replica service on 127.0.0.1.
 */
class CopyCompareBudgetTest {
  private static final int SIZE = 1 << 20;
  private static final VolumeRecord VOLUME = VolumeRecord.newBuilder().setName("v").setSize(SIZE)
      .setSnippetSize(256 << 10).setBlockSize(512).setEpoch(1).build();
  private Server server;
  private ManagedChannel channel;

  @AfterEach
  void stop() {
    if (channel != null) {
      channel.shutdownNow();
    }
    if (server != null) {
      server.shutdownNow();
    }
  }

  @Test
  void everySnippetComparedIsChargedBeforeItIsRead() throws Exception {
    byte[] image = new byte[SIZE];
    new Random(3).nextBytes(image);
    BlockDevice ours = new MemoryBlockDevice("v", SIZE, 512, false);
    BlockDevice theirs = new MemoryBlockDevice("v", SIZE, 512, false);
    ours.write(0, ByteBuffer.wrap(image), false).get(30, TimeUnit.SECONDS);
    theirs.write(0, ByteBuffer.wrap(image), false).get(30, TimeUnit.SECONDS);
    long changed = 3L * (256 << 10) + Resync.CHUNK;
    theirs.write(changed, ByteBuffer.wrap(new byte[512]), false).get(30, TimeUnit.SECONDS);
    EpochAuthority authority = new EpochAuthority() {
      @Override public long epoch(String volume) { return 1; }
      @Override public boolean inMajority() { return true; }
    };
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(new ReplicaService(
        v -> CompletableFuture.completedFuture(theirs), authority, null, new ClientLoad())).build().start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
    // No cap: pieces pass at once, and the budget counts what it granted.
    BackgroundBudget budget = new BackgroundBudget(null, 0, new ClientLoad());

    List<Long> differing = CopyCompare.differing(ours, channel, "v", VOLUME, List.of(1, 3), budget)
        .get(30, TimeUnit.SECONDS);

    assertThat(differing).containsExactly(changed);
    assertThat(budget.state().grantedBytes()).as("the two snippets compared, read here")
        .isEqualTo(2L * (256 << 10));

    // Snippet 2 trimmed here: compared (the holder's data differs) but not charged, for nothing is read.
    ours.trim(2L * (256 << 10), 256 << 10, false).get(30, TimeUnit.SECONDS);
    List<Long> sparse = CopyCompare.differing(ours, channel, "v", VOLUME, List.of(2), budget).get(30, TimeUnit.SECONDS);
    assertThat(sparse).as("every chunk of the trimmed snippet differs from the holder's data").hasSize(
        (256 << 10) / Resync.CHUNK);
    assertThat(budget.state().grantedBytes()).as("nothing more charged for a hole").isEqualTo(2L * (256 << 10));
  }
}
