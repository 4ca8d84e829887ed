package org.snipblock.node.usage;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.snipblock.node.OperatorError;
import org.snipblock.node.admin.v1.VolumeIo;
import org.snipblock.store.VolumeInfo;

/**
 * Metering by the hour on this node: the space each volume held (provisioned and used bytes times
 * the seconds, for the volumes this node bills, see {@link UsageSources#heldHere}) and the client
 * I/O its doors served, added up per hour, volume and tenant. {@link #tick} adds what happened since
 * the last one. The open hour is rewritten to {@value #OPEN} at each tick (a new file fsynced and
 * renamed over the old); a closed hour is appended to the {@link UsageLog}. So a crash loses at most
 * the time since the last tick, and a gap longer than {@link #MAX_GAP} between ticks (the node was
 * down) is not billed here: another node may have been the volume's primary meanwhile.
 */
public final class UsageHours {
  static final String OPEN = "usage-hour.json";
  public static final Duration TICK = Duration.ofSeconds(10);
  static final Duration MAX_GAP = Duration.ofMinutes(1);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The I/O totals last seen per volume, to count only what is new at the next tick. */
  record Seen(long id, long reads, long writes, long readBytes, long writtenBytes) {}

  /** The open-hour file's shape. */
  record Open(int version, long hour, Map<String, UsageRecord> records, Map<String, Seen> seen) {}

  private final Path file;
  private final UsageLog log;
  private final UsageSources sources;
  private long hour;
  private final Map<String, UsageRecord> records;
  private final Map<String, Seen> seen;
  private long lastTick;

  private UsageHours(Path file, UsageLog log, UsageSources sources, Open open, Instant start) {
    this.file = file;
    this.log = log;
    this.sources = sources;
    this.hour = open.hour();
    this.records = new TreeMap<>(open.hour() <= log.lastHour() ? Map.of() : open.records());
    this.seen = new TreeMap<>(open.seen());
    this.lastTick = start.getEpochSecond();
  }

  /**
   * Reads the open hour and the log in {@code dataDir}; counting starts at {@code now}.
   *
   * @throws OperatorError one line naming a file that cannot be read (the node does not start)
   */
  public static UsageHours open(Path dataDir, UsageSources sources, Instant now) {
    Path file = dataDir.resolve(OPEN);
    Open open = load(file, hourOf(now.getEpochSecond()));
    return new UsageHours(file, UsageLog.open(dataDir, open.hour()), sources, open, now);
  }

  private static Open load(Path file, long hour) {
    try {
      Open o = JSON.readValue(Files.readAllBytes(file), Open.class);
      if (o == null || o.version() != 1 || o.hour() % 3600 != 0 || o.records() == null || o.seen() == null
          || o.records().values().stream().anyMatch(r -> r == null || !r.valid() || r.hour() != o.hour())
          || o.seen().values().stream().anyMatch(Objects::isNull)) {
        throw new IOException("not a version 1 open-hour file");
      }
      return o;
    } catch (NoSuchFileException e) {
      return new Open(1, hour, Map.of(), Map.of());
    } catch (IOException | RuntimeException e) {
      throw new OperatorError("cannot read the open hour of metering in " + file + ": "
          + Objects.toString(e.getMessage(), e.toString()).lines().findFirst().orElse("")
          + " (move it away to start the hour from zero)", e);
    }
  }

  static long hourOf(long epochSecond) {
    return Math.floorDiv(epochSecond, 3600) * 3600;
  }

  /** Adds the I/O since the last tick to the open hour and the space held since then to the hours it spans; saves. */
  public synchronized void tick(Instant now) throws IOException {
    long to = now.getEpochSecond();
    long from = to - lastTick > MAX_GAP.toSeconds() || to < lastTick ? to : lastTick;
    if (hourOf(lastTick) != hour) {
      // The open hour is an earlier run's, ended while the node was down: close it before this run's I/O.
      close(hourOf(lastTick));
    }
    countIo();
    List<VolumeInfo> held = sources.heldHere();
    for (long t = from; t < to; ) {
      if (hourOf(t) != hour) {
        close(hourOf(t));
      }
      long until = Math.min(to, hourOf(t) + 3600);
      for (VolumeInfo v : held) {
        UsageRecord r = records.computeIfAbsent(key(v.name(), v.id()),
            k -> UsageRecord.empty(hour, v.name(), v.id(), sources.tenantOf(v.name())));
        records.put(key(v.name(), v.id()), r.plusSpace(v.provisionedBytes(), v.usedBytes(), until - t));
      }
      t = until;
    }
    if (hourOf(to) != hour) {
      close(hourOf(to));
    }
    lastTick = to;
    save();
  }

  private void countIo() {
    for (String name : sources.metered()) {
      VolumeIo total = sources.io(name);
      long id = sources.info(name).map(VolumeInfo::id).orElse(seen.containsKey(name) ? seen.get(name).id() : -1);
      if (id < 0) {
        continue;
      }
      Seen s = seen.get(name);
      if (s == null || s.id() != id || total.getReads() < s.reads() || total.getWrites() < s.writes()
          || total.getReadBytes() < s.readBytes() || total.getWrittenBytes() < s.writtenBytes()) {
        s = new Seen(id, 0, 0, 0, 0);   // a new volume, a namesake, or counts that went back: from zero
      }
      long r = total.getReads() - s.reads();
      long w = total.getWrites() - s.writes();
      long rb = total.getReadBytes() - s.readBytes();
      long wb = total.getWrittenBytes() - s.writtenBytes();
      if (r + w + rb + wb > 0) {
        UsageRecord rec = records.computeIfAbsent(key(name, id),
            k -> UsageRecord.empty(hour, name, id, sources.tenantOf(name)));
        records.put(key(name, id), rec.plusIo(r, w, rb, wb));
      }
      seen.put(name, new Seen(id, total.getReads(), total.getWrites(), total.getReadBytes(), total.getWrittenBytes()));
    }
  }

  private static String key(String volume, long id) {
    return volume + "#" + id;
  }

  /** Appends the open hour to the log and opens {@code next}. */
  private void close(long next) throws IOException {
    log.append(hour, List.copyOf(records.values()));
    records.clear();
    hour = next;
  }

  private void save() throws IOException {
    Path tmp = file.resolveSibling(OPEN + ".tmp");
    try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer bytes = ByteBuffer.wrap(JSON.writeValueAsBytes(new Open(1, hour, records, seen)));
      while (bytes.hasRemaining()) {
        out.write(bytes);
      }
      out.force(true);
    }
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** The records of the hours starting in [from, to): closed ones from the log, then the open one. */
  public synchronized List<UsageRecord> export(long from, long to) throws IOException {
    List<UsageRecord> out = new ArrayList<>();
    log.read(from, to, out::add);
    if (hour >= from && hour < to) {
      out.addAll(records.values());
    }
    return out;
  }

  /** The hour still being counted (its records are exported marked open). */
  public synchronized long openHour() {
    return hour;
  }
}
