package org.snipblock.node.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import org.snipblock.node.config.ByteSize;

/** Prints operator command results, as text for people or JSON for scripts. */
final class Output {
  // Made on the first --json answer only: setting Jackson up is a good part of a command's start-up CPU.
  private static final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  }

  private final PrintWriter out;
  private final boolean json;

  Output(PrintWriter out, boolean json) {
    this.out = out;
    this.json = json;
  }

  void json(Object value) {
    try {
      out.println(Json.MAPPER.writeValueAsString(value));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON", e);
    }
  }

  boolean isJson() {
    return json;
  }

  void println(String line) {
    out.println(line);
  }

  void volume(VolumeView v) {
    if (json) {
      json(v);
      return;
    }
    out.printf("name:             %s%n", v.name());
    if (v.tenant() != null) {
      out.printf("tenant:           %s%n", v.tenant());
    }
    out.printf("id:               %d%n", v.id());
    out.printf("provisioned:      %s (%d bytes)%n", ByteSize.format(v.provisionedBytes()), v.provisionedBytes());
    out.printf("used:             %s (%d bytes, %s of provisioned)%n", ByteSize.format(v.usedBytes()),
        v.usedBytes(), percent(v.usedBytes(), v.provisionedBytes()));
    out.printf("stored on disk:   %s (%d bytes)%n", ByteSize.format(v.storedBytes()), v.storedBytes());
    out.printf("block size:       %d%n", v.blockSize());
    out.printf("snippet size:     %s%n", ByteSize.format(v.snippetSize()));
    out.printf("snippets:         %d%n", v.snippets());
    out.printf("compression:      %s%n", v.compression() ? "lz4" : "off");
    if (v.readOnly()) {
      out.printf("read-only:        yes%n");
    }
    if (v.qos() != null) {
      out.printf("qos:              %s%s%n", v.qos().limits(), v.qos().group() == null ? ""
          : " (group " + v.qos().group() + ", shared by " + String.join(", ", v.qos().members()) + ")");
      out.printf("qos state:        %s%n", qosState(v.qos()));
    }
    if (v.parent() != null) {
      out.printf("clone of:         %s%n", v.parent());
    }
    for (SnapshotCommands.SnapshotView s : v.snapshots()) {
      out.printf("snapshot:         %s (%s; %s stored, %s exclusive, %s shared%s)%n", s.name(), s.created(),
          ByteSize.format(s.storedBytes()), ByteSize.format(s.exclusiveBytes()), ByteSize.format(s.sharedBytes()),
          s.clones().isEmpty() ? "" : "; clones " + String.join(", ", s.clones()));
    }
    if (!v.children().isEmpty()) {
      out.printf("clones:           %s%n", String.join(", ", v.children()));
    }
    if (v.flatten() != null) {
      VolumeView.Resync f = v.flatten();
      out.printf("flatten:          %d/%d snippets, %s copied%s%n", f.snippetsDone(), f.snippetsTotal(),
          ByteSize.format(f.bytesCopied()), f.running() ? "" : f.failure() != null ? " (failed: " + f.failure() + ")" : " (done)");
    }
    if (!v.flattenWaitingFor().isEmpty()) {
      out.printf("flattening:       waiting for the copies on %s%n", String.join(", ", v.flattenWaitingFor()));
    }
    if (!v.unsharedCopies().isEmpty()) {
      out.printf("full copies:      %s (share no blocks with %s)%n", String.join(", ", v.unsharedCopies()),
          v.parent());
    }
    out.printf("checksum errors:  %d%n", v.checksumErrors());
    if (v.created() != null) {
      out.printf("created:          %s%n", v.created());
    }
    VolumeView.Io io = v.io();
    out.printf("I/O since start:  %d reads (%s), %d writes (%s), %d flushes, %d errors%n",
        io.reads(), ByteSize.format(io.readBytes()), io.writes(), ByteSize.format(io.writtenBytes()),
        io.flushes(), io.errors());
    if (v.replication() != null) {
      replication(v.replication());
    }
    if (v.following() != null) {
      v.following().lines().forEach(out::println);
    }
  }

  private void replication(VolumeView.Replication r) {
    out.printf("primary:          %s (epoch %d)%n", r.primary(), r.epoch());
    out.printf("replication:      %s, %d copies spread over distinct %ss, %d needed%n", r.mode(), r.copies(),
        r.spread(), r.minCopies());
    if (!r.sites().isEmpty()) {
      out.printf("sites:            %s (a copy of every snippet in each, none elsewhere)%n", String.join(", ", r.sites()));
    }
    out.printf("lag:              %s%n", r.lagBytes() < 0 ? "known on the primary only"
        : String.format(Locale.ROOT, "%s (%.1f s)", ByteSize.format(r.lagBytes()), Math.max(0, r.lagSeconds())));
    if (!r.unreachable().isEmpty()) {
      out.printf("unreachable:      %s%n", String.join(", ", r.unreachable()));
    }
    if (!r.stale().isEmpty()) {
      out.printf("stale copies:     %s%n", String.join(", ", r.stale()));
    }
    for (VolumeView.Resync s : r.resyncs()) {
      out.printf("%s to %s:  %d/%d snippets, %s copied%s%n", s.purpose() == null ? "resync" : s.purpose(), s.node(),
          s.snippetsDone(), s.snippetsTotal(), ByteSize.format(s.bytesCopied()),
          s.running() ? "" : s.failure() != null ? " (failed: " + s.failure() + ")" : " (done)");
    }
    long now = System.currentTimeMillis();
    for (CopyMoveView m : r.moving()) {
      out.printf("moving:           %s%n", m.line(now).substring(m.volume().length() + 1));
    }
    // Runs of placement stripes on the same nodes (snippet i is on stripe i % stripes).
    List<List<String>> snippets = r.snippetReplicas();
    for (int from = 0; from < snippets.size(); ) {
      int to = from;
      while (to + 1 < snippets.size() && snippets.get(to + 1).equals(snippets.get(from))) {
        to++;
      }
      String range = from == to ? "stripe " + from : "stripes " + from + "-" + to;
      out.printf("  %-22s on %s%n", range, String.join(", ", snippets.get(from)));
      from = to + 1;
    }
    List<String> modes = r.snippetModes();
    for (int from = 0; from < modes.size(); ) {
      int to = from;
      while (to + 1 < modes.size() && modes.get(to + 1).equals(modes.get(from))) {
        to++;
      }
      if (!modes.get(from).equals(r.mode())) {
        String range = from == to ? "stripe " + from : "stripes " + from + "-" + to;
        out.printf("  %-22s %s (override)%n", range, modes.get(from));
      }
      from = to + 1;
    }
  }

  void verify(VerifyView v) {
    if (json) {
      json(v);
      return;
    }
    out.printf("volume %s, primary %s (epoch %d), %s chunks: %s%n", v.volume(), v.primary(), v.epoch(),
        ByteSize.format(v.chunkSize()), v.clean() ? "all copies agree" : "COPIES DIFFER");
    String format = "%-16s %-8s %9s %10s %9s %9s %9s  %s%n";
    out.printf(format, "NODE", "ROLE", "SNIPPETS", "DIFFERING", "BAD-CRC", "REPAIRED", "SNAPSHOTS", "NOTE");
    for (VerifyView.Copy c : v.copies()) {
      String note = c.error() != null ? c.error() : c.stale() ? "stale: being resynced" : "";
      if (!c.snapshotsDiffering().isEmpty()) {
        note = (note.isEmpty() ? "" : note + "; ") + "snapshots differ: " + String.join(", ", c.snapshotsDiffering());
      }
      out.printf(format, c.node(), c.primary() ? "primary" : "replica", c.snippetsCompared(), c.chunksDiffering(),
          c.chunksBadChecksum(), c.chunksRepaired(), c.snapshotsCompared(), note);
    }
  }

  void volumes(List<VolumeView> volumes) {
    if (json) {
      json(new VolumeList(volumes));
      return;
    }
    if (volumes.isEmpty()) {
      out.println("no volumes");
      return;
    }
    String format = "%-24s %12s %12s %6s %6s %8s%n";
    out.printf(format, "NAME", "PROVISIONED", "USED", "USED%", "BLOCK", "COMPRESS");
    for (VolumeView v : volumes) {
      out.printf(format, v.name(), ByteSize.format(v.provisionedBytes()), ByteSize.format(v.usedBytes()),
          percent(v.usedBytes(), v.provisionedBytes()), v.blockSize(), v.compression() ? "lz4" : "off");
    }
  }

  private static String qosState(VolumeView.Qos q) {
    if (!q.stateKnown()) {
      return "known on the primary " + q.primary() + " (ask it)";
    }
    return (q.throttled() ? "throttled (" + q.waiting() + " waiting)" : "not throttled") + ", "
        + q.delayed() + " requests delayed so far" + (q.primary() == null ? "" : " on " + q.primary());
  }

  private static String percent(long part, long whole) {
    return whole == 0 ? "0%" : String.format(Locale.ROOT, "%.1f%%", 100.0 * part / whole);
  }

  record VolumeList(List<VolumeView> volumes) {}
}
