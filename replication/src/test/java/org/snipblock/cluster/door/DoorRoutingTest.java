package org.snipblock.cluster.door;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.snipblock.block.BlockDevice;
import org.snipblock.block.BlockDeviceException;
import org.snipblock.block.BlockDeviceException.Kind;
import org.snipblock.block.Extent;
import org.snipblock.block.ForwardingBlockDevice;
import org.snipblock.block.MemoryBlockDevice;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.cluster.testing.Eventually;

/**
 * The door's routing and retry rules, with the metadata scripted by the test: two primaries-to-be
 * (a and b), each a real VolumeIoService on its own gRPC server on 127.0.0.1, and the door on a
 * third node c.
 */
class DoorRoutingTest {
  private static final int SIZE = 1 << 20;
  private final Map<String, Server> servers = new ConcurrentHashMap<>();
  private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
  private final Map<String, BlockDevice> devices = new ConcurrentHashMap<>();
  private final Set<String> up = ConcurrentHashMap.newKeySet();
  private final Set<String> fenced = ConcurrentHashMap.newKeySet();
  private final Map<String, Doors> serverDoors = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> looks = new ConcurrentHashMap<>();
  private volatile VolumeRecord record = VolumeRecord.newBuilder().setName("v").setUid(7).setSize(SIZE)
      .setBlockSize(512).setPrimary("a").setEpoch(1).setVersion(1).build();
  private Doors doors;

  @AfterEach
  void stop() {
    if (doors != null) {
      doors.close();
    }
    serverDoors.values().forEach(Doors::close);
    channels.values().forEach(ManagedChannel::shutdownNow);
    servers.values().forEach(Server::shutdownNow);
  }

  /** What node {@code self} knows: the scripted record, its device while it is the primary, who is up. */
  private DoorRoutes routes(String self) {
    return new DoorRoutes() {
      @Override public String selfId() { return self; }
      @Override public Optional<VolumeRecord> volume(String name) {
        return Optional.of(record).filter(v -> v.getName().equals(name));
      }
      @Override public Optional<BlockDevice> servingPrimary(String name) {
        looks.computeIfAbsent(self, n -> new AtomicInteger()).incrementAndGet();
        return record.getPrimary().equals(self) && !fenced.contains(self)
            ? Optional.ofNullable(devices.get(self)) : Optional.empty();
      }
      @Override public boolean reachable(String nodeId) { return up.contains(nodeId); }
      @Override public Channel channelTo(String nodeId) {
        return channels.computeIfAbsent(nodeId, n -> NettyChannelBuilder
            .forAddress("127.0.0.1", servers.get(n).getPort()).usePlaintext().build());
      }
    };
  }

  private void serve(String node, BlockDevice device) throws Exception {
    devices.put(node, device);
    servers.put(node, NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(new VolumeIoService(routes(node), serverDoors.computeIfAbsent(node,
            n -> new Doors(routes(n), Duration.ofSeconds(30), Duration.ofSeconds(10))))).build().start());
    up.add(node);
  }

  private void promote(String node) {
    record = record.toBuilder().setPrimary(node).setEpoch(record.getEpoch() + 1).setVersion(record.getVersion() + 1)
        .build();
    doors.volumeChanged("v");
    serverDoors.values().forEach(n -> n.volumeChanged("v"));
  }

  private BlockDevice door(Duration window) {
    doors = new Doors(routes("c"), window, Duration.ofSeconds(10));
    return doors.open("v").orElseThrow();
  }

  @Test
  void followsTheMetadataToTheNextPrimary() throws Exception {
    BlockDevice shared = new MemoryBlockDevice("v", SIZE, 512, false);
    serve("a", shared);
    serve("b", shared);
    BlockDevice d = door(Duration.ofSeconds(30));
    assertThat(d.uniqueId()).isEqualTo(7);
    d.write(0, ByteBuffer.wrap(new byte[4096]), false).get(10, TimeUnit.SECONDS);

    // a is cut off: what the door sends now waits until the metadata names b.
    up.remove("a");
    CompletableFuture<Void> write = d.write(4096, ByteBuffer.wrap(filled(4096, 1)), true);
    CompletableFuture<Long> compare = d.compareAndWrite(0, ByteBuffer.allocate(512), ByteBuffer.wrap(filled(512, 2)), false);
    CompletableFuture<java.util.List<Extent>> allocation = d.allocation(0, SIZE);
    promote("b");
    write.get(10, TimeUnit.SECONDS);
    assertThat(compare.get(10, TimeUnit.SECONDS)).as("never sent to a, so safely sent to b").isEqualTo(-1L);
    assertThat(allocation.get(10, TimeUnit.SECONDS)).isNotEmpty();

    // a is back but fenced, and the door's metadata still names it: a refuses before running
    // anything, so even a compare-and-write is safely taken on to b once the metadata says so.
    fenced.add("a");
    up.add("a");
    record = record.toBuilder().setPrimary("a").setVersion(record.getVersion() + 1).build();
    CompletableFuture<Long> fencedCompare = d.compareAndWrite(4096, ByteBuffer.wrap(filled(512, 1)),
        ByteBuffer.wrap(filled(512, 5)), false);
    promote("b");
    assertThat(fencedCompare.get(10, TimeUnit.SECONDS)).isEqualTo(-1L);
    ByteBuffer back = ByteBuffer.allocate(1024);
    d.read(4096, back).get(10, TimeUnit.SECONDS);
    assertThat(back.array()).isEqualTo(concat(filled(512, 5), filled(512, 1)));
  }

  /**
   * A new primary opens its device only after the metadata named it: what a door forwards
   * meanwhile waits there for the device rather than going back to the door's backoff. The door's
   * window is over before the device serves, so a request sent back would fail.
   */
  @Test
  void aNamedPrimaryHoldsARequestUntilItsDeviceServes() throws Exception {
    BlockDevice shared = new MemoryBlockDevice("v", SIZE, 512, false);
    serve("a", shared);
    serve("b", shared);
    BlockDevice d = door(Duration.ofMillis(100));
    fenced.add("b");
    promote("b");
    long sent = System.nanoTime();
    CompletableFuture<Void> write = d.write(4096, ByteBuffer.wrap(filled(4096, 6)), false);
    Eventually.await("b has the request", Duration.ofSeconds(10),
        () -> looks.getOrDefault("b", new AtomicInteger()).get() > 0);
    Eventually.await("the door's window is over", Duration.ofSeconds(10),
        () -> System.nanoTime() - sent > TimeUnit.MILLISECONDS.toNanos(200));
    assertThat(write).isNotDone();

    fenced.remove("b");
    serverDoors.get("b").volumeChanged("v");
    write.get(10, TimeUnit.SECONDS);
    ByteBuffer back = ByteBuffer.allocate(4096);
    shared.read(4096, back).get(10, TimeUnit.SECONDS);
    assertThat(back.array()).isEqualTo(filled(4096, 6));
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Test
  void anAmbiguousCompareAndWriteIsNotRepeatedButAWriteIs() throws Exception {
    HeldDevice held = new HeldDevice(new MemoryBlockDevice("v", SIZE, 512, false));
    serve("a", held);
    serve("b", new MemoryBlockDevice("v", SIZE, 512, false));
    BlockDevice d = door(Duration.ofSeconds(30));
    CompletableFuture<Long> compare = d.compareAndWrite(0, ByteBuffer.allocate(512), ByteBuffer.wrap(filled(512, 3)), false);
    CompletableFuture<Void> write = d.write(8192, ByteBuffer.wrap(filled(4096, 4)), false);
    held.arrived.get(10, TimeUnit.SECONDS);
    // a dies with both requests running on it.
    servers.get("a").shutdownNow();
    up.remove("a");
    promote("b");
    assertThat(compare).failsWithin(Duration.ofSeconds(10)).withThrowableThat()
        .withMessageContaining("outcome is unknown")
        .satisfies(e -> assertThat(BlockDeviceException.kindOf(e)).isEqualTo(Kind.UNAVAILABLE));
    write.get(10, TimeUnit.SECONDS);
    ByteBuffer onB = ByteBuffer.allocate(4096);
    devices.get("b").read(8192, onB).get(10, TimeUnit.SECONDS);
    assertThat(onB.array()).as("the write was taken to b").isEqualTo(filled(4096, 4));
  }

  @Test
  void withNoPrimaryInSightARequestFailsClearlyOnceTheWindowHasPassed() throws Exception {
    serve("a", new MemoryBlockDevice("v", SIZE, 512, false));
    up.remove("a");
    BlockDevice d = door(Duration.ofMillis(500));
    assertThat(d.flush()).failsWithin(Duration.ofSeconds(10)).withThrowableThat()
        .withMessageContaining("no primary took the request within")
        .withMessageContaining("primary a is not in this node's view")
        .satisfies(e -> assertThat(BlockDeviceException.kindOf(e)).isEqualTo(Kind.UNAVAILABLE));
  }

  @Test
  void definiteErrorsAreNotRetried() throws Exception {
    serve("a", new MemoryBlockDevice("v", SIZE, 512, false));
    BlockDevice d = door(Duration.ofSeconds(30));
    assertThat(d.write(SIZE, ByteBuffer.allocate(512), false)).failsWithin(Duration.ofSeconds(10))
        .withThrowableThat().satisfies(e -> assertThat(BlockDeviceException.kindOf(e)).isEqualTo(Kind.OUT_OF_RANGE));
    assertThat(d.read(0, ByteBuffer.allocate(VolumeIoService.MAX_PAYLOAD + 512))).failsWithin(Duration.ofSeconds(1))
        .withThrowableThat().satisfies(e -> assertThat(BlockDeviceException.kindOf(e)).isEqualTo(Kind.INVALID));
  }

  private static byte[] filled(int size, int value) {
    byte[] b = new byte[size];
    java.util.Arrays.fill(b, (byte) value);
    return b;
  }

  /** A disk that takes writes and compare-and-writes but never finishes them (a primary about to die). */
  private static final class HeldDevice extends ForwardingBlockDevice {
    final CompletableFuture<Void> arrived = new CompletableFuture<>();
    private int count;

    HeldDevice(BlockDevice inner) {
      super(inner);
    }

    private synchronized <T> CompletableFuture<T> hold() {
      if (++count == 2) {
        arrived.complete(null);
      }
      return new CompletableFuture<>();
    }

    @Override public boolean readOnly() { return false; }
    @Override public CompletableFuture<Void> write(long offset, ByteBuffer src, boolean fua) { return hold(); }
    @Override public CompletableFuture<Long> compareAndWrite(long offset, ByteBuffer expected, ByteBuffer replacement,
        boolean fua) {
      return hold();
    }
  }
}
