package org.snipblock.cluster.door;

import io.grpc.Channel;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.snipblock.block.BlockDevice;
import org.snipblock.block.DaemonThreads;

/**
 * One node's doors: hands out a {@link VolumeDoor} for any volume of the cluster, and keeps what
 * the doors share — the node's routes, one request stream per primary node, the waiters for
 * metadata changes, the one thread their retries are scheduled on, and the time bounds of a failover.
 */
public final class Doors implements AutoCloseable {
  private final DoorRoutes routes;
  private final Duration window;
  private final Duration callTimeout;
  private final VolumeChanges changes = new VolumeChanges();
  private final ScheduledExecutorService executor;
  private final Map<String, PrimaryStream> streams = new ConcurrentHashMap<>();
  private final DoorHandles handles = new DoorHandles();
  private volatile boolean closed;

  /**
   * @param window      how long one request may wait for a (new) primary before it fails; make it
   *                    longer than a failover takes (failover delay + election + promotion)
   * @param callTimeout how long one forwarded call may take before it counts as lost (longer than a
   *                    sync write's acknowledgement timeout)
   */
  public Doors(DoorRoutes routes, Duration window, Duration callTimeout) {
    this.routes = routes;
    this.window = window;
    this.callTimeout = callTimeout;
    this.executor = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("doors-" + routes.selfId()));
  }

  /** A door on the volume, or empty if the cluster has no such volume. */
  public Optional<BlockDevice> open(String name) {
    return routes.volume(name).map(v -> {
      handles.opened(name);
      return new VolumeDoor(this, v);
    });
  }

  /** The door handles open on this node, per volume. */
  public DoorHandles handles() {
    return handles;
  }

  /** To be called whenever the metadata changed the volume's record: waiting requests retry at once. */
  public void volumeChanged(String name) {
    changes.changed(name);
  }

  /** The request stream to the node, opened anew when the last one broke or the node's address changed. */
  PrimaryStream streamTo(String nodeId) {
    Channel channel = routes.channelTo(nodeId);
    return streams.compute(nodeId, (id, s) -> {
      if (s != null && !s.broken() && s.channel() == channel) {
        return s;
      }
      if (s != null) {
        s.cancel();
      }
      return new PrimaryStream(channel);
    });
  }

  DoorRoutes routes() {
    return routes;
  }

  Duration window() {
    return window;
  }

  Duration callTimeout() {
    return callTimeout;
  }

  VolumeChanges changes() {
    return changes;
  }

  ScheduledExecutorService executor() {
    return executor;
  }

  boolean closed() {
    return closed;
  }

  @Override
  public void close() {
    closed = true;
    executor.shutdownNow();
    streams.values().forEach(PrimaryStream::cancel);
    changes.releaseAll();
  }
}
