package org.snipblock.cluster.follow;

import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.snipblock.cluster.proto.AutoModeSwitch;
import org.snipblock.cluster.proto.MetaCommand;
import org.snipblock.cluster.proto.SetCatchUp;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.cluster.replica.ReplicatedBlockDevice;
import org.snipblock.cluster.replica.ReplicationMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On each primary of this node, once a tick: measures replication ({@link LinkGauge}), switches the
 * mode of volumes under {@code --mode auto} ({@link ModeGovernor}) and throttles the writes of
 * volumes catching up ({@link Balloon}) or whose copies a migration builds ({@link CopyBallooning}).
 * Switches and the end of a catch-up go through the metadata log; every one is logged.
 */
public final class FollowControl {
  private static final Logger log = LoggerFactory.getLogger(FollowControl.class);

  /**
   * What this primary measures of a volume now; rates in bytes per second (link NaN until measured).
   * While a migration builds its copies ({@code copying}), the bytes left to send to them (-1 until measured).
   */
  public record Measured(double writeRate, double linkRate, long throttleRate, boolean copying, long copyBacklog) {}

  private final SiteSettings settings;
  private final Supplier<Collection<ReplicatedBlockDevice>> primaries;
  private final Function<String, Optional<VolumeRecord>> volumes;
  private final Consumer<MetaCommand> commit;
  private final Map<String, Watch> watched = new ConcurrentHashMap<>();
  private final Map<String, CopyBallooning> copying = new ConcurrentHashMap<>();

  /** One primary device's state between ticks. */
  private record Watch(ReplicatedBlockDevice device, LinkGauge gauge, ModeGovernor governor) {}

  public FollowControl(SiteSettings settings, Supplier<Collection<ReplicatedBlockDevice>> primaries,
      Function<String, Optional<VolumeRecord>> volumes, Consumer<MetaCommand> commit) {
    this.settings = settings;
    this.primaries = primaries;
    this.volumes = volumes;
    this.commit = commit;
  }

  /** One round over this node's primaries; call periodically (about once a second), never concurrently. */
  public void tick() {
    long now = System.nanoTime();
    watched.values().removeIf(w -> !w.device().primary());
    for (ReplicatedBlockDevice d : primaries.get()) {
      if (!d.primary()) {
        continue;
      }
      Watch w = watched.compute(d.name(), (name, old) -> old != null && old.device() == d ? old
          : new Watch(d, new LinkGauge(), new ModeGovernor(settings)));
      w.gauge().sample(now, d.writtenBytes(), d.replicaProgress());
      volumes.apply(d.name()).filter(v -> v.getEpoch() == d.epoch()).ifPresent(v -> {
        try {
          steer(v, w);
        } catch (RuntimeException e) {
          log.warn("volume {}: {}", v.getName(), e.getMessage());
        }
      });
    }
  }

  /** What this node measures of the volume, if it is its primary. */
  public Optional<Measured> measured(String volume) {
    Watch w = watched.get(volume);
    if (w == null || !w.device().primary()) {
      return Optional.empty();
    }
    CopyBallooning c = copying.get(volume);
    return Optional.of(new Measured(w.gauge().writeRate(), w.gauge().linkRate(), w.device().throttle().rate(),
        c != null, c == null ? -1 : c.backlog()));
  }

  /**
   * Balloons the volume's writes, while this node is its primary, against what remains to send to
   * its new copies on {@code receivers}, until the returned handle is closed (see {@link CopyBallooning}).
   * One migration of a volume at a time: a second call replaces the first.
   */
  public CopyBallooning balloonCopies(String volume, Supplier<Set<String>> receivers) {
    CopyBallooning made = new CopyBallooning(volume, receivers, settings,
        () -> volumes.apply(volume).map(VolumeRecord::getCatchingUp).orElse(false), c -> copying.remove(volume, c));
    CopyBallooning before = copying.put(volume, made);
    if (before != null) {
      before.close();
    }
    return made;
  }

  private void steer(VolumeRecord v, Watch w) {
    if (v.getAutoMode()) {
      ReplicationMode mode = ReplicationMode.parse(v.getMode());
      w.governor().decide(mode, w.gauge(), w.device().lagSeconds()).ifPresent(d -> {
        log.info("volume {}: automatic mode switch {} -> {}: {}", v.getName(), mode.label(), d.to().label(),
            d.reason());
        commit.accept(MetaCommand.newBuilder().setAutoModeSwitch(AutoModeSwitch.newBuilder().setName(v.getName())
            .setEpoch(v.getEpoch()).setMode(d.to().label()).setReason(d.reason())
            .setAtMillis(System.currentTimeMillis())).build());
      });
    }
    var throttle = w.device().throttle();
    CopyBallooning copies = copying.get(v.getName());
    if (!v.getCatchingUp() && copies != null) {
      copies.steer(v, w.device().replicaProgress(), w.device().resyncProgress(), w.gauge(), throttle);
      return;
    }
    if (!v.getCatchingUp()) {
      if (throttle.rate() > 0) {
        throttle.release();
        log.info("volume {}: catch-up ended, write throttle released", v.getName());
      }
      return;
    }
    Balloon.Step step = new Balloon(settings).step(w.gauge(), throttle.rate());
    if (step instanceof Balloon.Release) {
      throttle.release();
      log.info("volume {}: caught up (lag {} within {}), write throttle released", v.getName(),
          ModeGovernor.bytes(w.gauge().lag()), ModeGovernor.bytes(settings.autoSyncLagBytes()));
      commit.accept(MetaCommand.newBuilder().setSetCatchUp(SetCatchUp.newBuilder().setName(v.getName())
          .setCatchingUp(false)).build());
    } else if (step instanceof Balloon.Limit l) {
      throttle.limit(l.bytesPerSecond());
      if (l.lowered()) {
        log.info("volume {}: lag {} not shrinking (writes {}/s, link {}/s): writes throttled to {}/s",
            v.getName(), ModeGovernor.bytes(w.gauge().lag()), ModeGovernor.bytes((long) w.gauge().writeRate()),
            Double.isNaN(w.gauge().linkRate()) ? "?" : ModeGovernor.bytes((long) w.gauge().linkRate()),
            ModeGovernor.bytes(l.bytesPerSecond()));
      }
    }
  }
}
