package org.snipblock.node.daemon;

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
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snipblock.block.DaemonThreads;
import org.snipblock.node.OperatorError;
import org.snipblock.node.admin.v1.VolumeIo;
import org.snipblock.store.VolumeInfo;

/**
 * The client I/O each volume got through this node's doors, kept in the node's data directory
 * ({@value #FILE}) so metering survives restarts: the totals of earlier runs plus this run's meters.
 * Saved every {@link #SAVE_EVERY} and when the node stops, so a crash loses at most that much.
 * Counts are kept per door node (each node meters its own doors, as the meters do), so a failover
 * loses nothing. An entry belongs to one volume by its id: a volume created again under a deleted
 * one's name starts from zero; a deleted volume's entry stays (small, and the record of what it did).
 */
final class UsageLedger implements AutoCloseable {
  static final String FILE = "usage.json";
  static final Duration SAVE_EVERY = Duration.ofSeconds(10);
  private static final Logger log = LoggerFactory.getLogger(UsageLedger.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One volume's totals; {@code id} is the volume's (its cluster uid, or its id in the store). */
  record Entry(long id, long reads, long writes, long readBytes, long writtenBytes) {
    VolumeIo io() {
      return VolumeIo.newBuilder().setReads(reads).setWrites(writes).setReadBytes(readBytes)
          .setWrittenBytes(writtenBytes).build();
    }

    static Entry of(long id, VolumeIo io) {
      return new Entry(id, io.getReads(), io.getWrites(), io.getReadBytes(), io.getWrittenBytes());
    }
  }

  /** The file's shape. */
  record Saved(int version, Map<String, Entry> volumes) {}

  private final Path file;
  private final IoMeters meters;
  private final Function<String, Optional<VolumeInfo>> volumes;
  /** Totals of the runs before this one, by volume name; only shrinks (an entry of a gone volume). */
  private final Map<String, Entry> before;
  private final ScheduledExecutorService saver;

  private UsageLedger(Path file, IoMeters meters, Function<String, Optional<VolumeInfo>> volumes,
      Map<String, Entry> before) {
    this.file = file;
    this.meters = meters;
    this.volumes = volumes;
    this.before = new ConcurrentHashMap<>(before);
    saver = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("snipblock-usage"));
    saver.scheduleWithFixedDelay(this::saveQuietly, SAVE_EVERY.toMillis(), SAVE_EVERY.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  /**
   * Reads the totals in {@code dataDir} (none yet: all zero) and saves every {@link #SAVE_EVERY}.
   *
   * @param volumes a volume's current record, to tell its entry from a deleted namesake's
   * @throws OperatorError one line naming the file when it cannot be read: metering that silently
   *     restarted from zero would under-bill, so the node does not start
   */
  static UsageLedger open(Path dataDir, IoMeters meters, Function<String, Optional<VolumeInfo>> volumes) {
    Path file = dataDir.resolve(FILE);
    return new UsageLedger(file, meters, volumes, load(file));
  }

  static Map<String, Entry> load(Path file) {
    try {
      Saved saved = JSON.readValue(Files.readAllBytes(file), Saved.class);
      if (saved == null || saved.version() != 1 || saved.volumes() == null
          || saved.volumes().values().stream().anyMatch(e -> e == null || e.reads() < 0 || e.writes() < 0
              || e.readBytes() < 0 || e.writtenBytes() < 0)) {
        throw new IOException("not a version 1 usage file with counts of 0 or more");
      }
      return saved.volumes();
    } catch (NoSuchFileException e) {
      return Map.of();
    } catch (IOException | RuntimeException e) {
      throw new OperatorError("cannot read the usage counts in " + file + ": "
          + Objects.toString(e.getMessage(), e.toString()).lines().findFirst().orElse("")
          + " (move it away to start metering from zero)", e);
    }
  }

  /** The client I/O {@code volume} got through this node's doors, over every run. */
  VolumeIo clientIo(String volume) {
    VolumeIo now = meters.clientIo(volume);
    Entry earlier = before.get(volume);
    if (earlier == null || !sameVolume(earlier, volume)) {
      return now;
    }
    return add(earlier.io(), now);
  }

  private boolean sameVolume(Entry entry, String volume) {
    return volumes.apply(volume).map(v -> v.id() == entry.id()).orElse(true);
  }

  private static VolumeIo add(VolumeIo a, VolumeIo b) {
    return VolumeIo.newBuilder().setReads(a.getReads() + b.getReads()).setWrites(a.getWrites() + b.getWrites())
        .setReadBytes(a.getReadBytes() + b.getReadBytes()).setWrittenBytes(a.getWrittenBytes() + b.getWrittenBytes())
        .build();
  }

  /** Writes the totals: a new file fsynced, then renamed over the old one, so a crash leaves one or the other. */
  synchronized void save() throws IOException {
    Map<String, Entry> all = new TreeMap<>();
    for (String name : union()) {
      Optional<VolumeInfo> v = volumes.apply(name);
      Entry earlier = before.get(name);
      if (earlier != null && v.isPresent() && v.get().id() != earlier.id()) {
        before.remove(name);   // a deleted volume's namesake: its counts start from zero
        earlier = null;
      }
      VolumeIo total = clientIo(name);
      long id = v.map(VolumeInfo::id).orElse(earlier != null ? earlier.id() : -1);
      if (id >= 0) {
        all.put(name, Entry.of(id, total));
      }
    }
    Path tmp = file.resolveSibling(FILE + ".tmp");
    try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer bytes = ByteBuffer.wrap(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(new Saved(1, all)));
      while (bytes.hasRemaining()) {
        out.write(bytes);
      }
      out.force(true);
    }
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** Every volume with counts, of this run or earlier ones. */
  Set<String> metered() {
    return union();
  }

  private Set<String> union() {
    Set<String> names = new TreeSet<>(before.keySet());
    names.addAll(meters.clientVolumes());
    return names;
  }

  private void saveQuietly() {
    try {
      save();
    } catch (IOException | RuntimeException e) {
      // The next save tries again; until one succeeds a crash would lose this run's counts.
      log.warn("cannot save the usage counts in {}: {}", file, e.toString());
    }
  }

  /**
   * Stops the saves and saves for the last time. Closing again does nothing: once closed, its counts
   * may be older than those a later run over the same directory saved.
   */
  @Override
  public synchronized void close() {
    if (saver.isShutdown()) {
      return;
    }
    saver.shutdownNow();
    saveQuietly();
  }
}
