package org.snipblock.node.config;

import static org.snipblock.node.config.ConfigValues.value;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Duration;
import org.snipblock.cluster.follow.SiteSettings;

/**
 * The config file's {@code cluster.sites} section: the synchronous bound, automatic mode control,
 * ballooning, a test's simulated WAN and whether a test may fault the links; what is not given is the built-in setting.
 */
final class SitesConfigModel {
  @JsonProperty("sync-bound") String syncBound;
  @JsonProperty("auto-sync-lag") String autoSyncLag;
  @JsonProperty("auto-async-wait") String autoAsyncWait;
  @JsonProperty("balloon-floor") String balloonFloor;
  @JsonProperty("simulated-wan") WanModel simulatedWan;
  @JsonProperty("link-faults") Boolean linkFaults;

  SiteSettings toSettings(String where) {
    SiteSettings d = SiteSettings.defaults();
    Duration bound = value(where + ".sync-bound",
        () -> syncBound == null ? d.syncBound() : DurationText.parse(syncBound));
    long lag = value(where + ".auto-sync-lag",
        () -> autoSyncLag == null ? d.autoSyncLagBytes() : ByteSize.parse(autoSyncLag));
    Duration wait = value(where + ".auto-async-wait",
        () -> autoAsyncWait == null ? d.autoAsyncWait() : DurationText.parse(autoAsyncWait));
    long floor = value(where + ".balloon-floor",
        () -> balloonFloor == null ? d.balloonFloorBytesPerSecond() : ByteSize.parse(balloonFloor));
    SiteSettings.SimulatedWan wan = simulatedWan == null ? null : value(where + ".simulated-wan",
        () -> new SiteSettings.SimulatedWan(simulatedWan.delay == null ? Duration.ZERO
            : DurationText.parse(simulatedWan.delay), simulatedWan.rate == null ? 0 : ByteSize.parse(simulatedWan.rate)));
    return value(where, () -> new SiteSettings(bound, lag, wait, floor, wan, Boolean.TRUE.equals(linkFaults)));
  }

  /** For tests on one machine only: a delay and rate cap between sites. */
  static final class WanModel {
    @JsonProperty("delay") String delay;
    @JsonProperty("rate") String rate;
  }
}
