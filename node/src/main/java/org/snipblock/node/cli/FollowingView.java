package org.snipblock.node.cli;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.snipblock.node.admin.v1.Replication;
import org.snipblock.node.config.ByteSize;

/**
 * How a clustered volume follows its consumer and fits its links, as the CLI prints it (JSON: top
 * level fields of the volume). Rates are bytes per second; -1 where only the primary knows.
 * {@code copying}: a migration builds the volume's copies in another site (known on the primary),
 * ballooning against the {@code copyBacklogBytes} left to send to them (-1 until measured, or when not copying).
 */
record FollowingView(double responseMillis, String responseLink, boolean slowLink, String consumer,
    String modeControl, List<Switch> modeSwitches, boolean catchingUp, long throttleBytesPerSecond,
    double writeBytesPerSecond, double linkBytesPerSecond, boolean copying, long copyBacklogBytes) {

  record Switch(String from, String to, String reason, String at) {}

  static FollowingView of(Replication r) {
    return new FollowingView(r.getResponseMillis(), r.getResponseLink().isEmpty() ? null : r.getResponseLink(),
        r.getSlowLink(), r.getConsumer().isEmpty() ? null : r.getConsumer(), r.getAutoMode() ? "auto" : "manual",
        r.getModeSwitchesList().stream().map(s -> new Switch(s.getFrom(), s.getTo(), s.getReason(),
            Instant.ofEpochMilli(s.getAtEpochMillis()).toString())).toList(),
        r.getCatchingUp(), r.getThrottleBytesPerSecond(), r.getWriteBytesPerSecond(), r.getLinkBytesPerSecond(),
        r.getCopying(), r.getCopying() ? r.getCopyBacklogBytes() : -1);
  }

  /** The lines {@code volume show} prints. */
  List<String> lines() {
    List<String> out = new ArrayList<>();
    out.add(String.format(Locale.ROOT, "response time:    %.1f ms%s%s", responseMillis,
        responseLink == null ? " (one node holds every copy)" : " (" + responseLink + ")",
        slowLink ? "; SYNC OVER A LINK SLOWER THAN THE SYNC BOUND" : ""));
    out.add("consumer:         " + (consumer == null ? "not set" : consumer));
    out.add("mode control:     " + modeControl);
    for (Switch s : modeSwitches) {
      out.add("  " + s.at() + " " + s.from() + " -> " + s.to() + ": " + s.reason());
    }
    String measured = writeBytesPerSecond < 0 ? "" : String.format(Locale.ROOT, " (writes %s/s, link %s)",
        ByteSize.format((long) writeBytesPerSecond),
        linkBytesPerSecond < 0 ? "not measured yet" : ByteSize.format((long) linkBytesPerSecond) + "/s");
    String throttle = throttleBytesPerSecond < 0 ? "known on the primary only"
        : throttleBytesPerSecond == 0 ? "off" : "writes held to " + ByteSize.format(throttleBytesPerSecond) + "/s";
    String state = catchingUp ? "running"
        : !copying ? "no"
        : copyBacklogBytes < 0 ? "copying into the site (measuring what is left to send)"
        : "copying into the site, " + ByteSize.format(copyBacklogBytes) + " left to send to the new copies";
    out.add("catch-up:         " + state + "; throttle " + throttle + measured);
    return out;
  }
}
