package org.snipblock.store.journal;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the journal back after a stop: records are {@code [len][crc32c][seq][payload]}, and
 * replay applies every intact one in order, stopping at the first that is torn, fails its CRC,
 * or fails the caller's check (a record whose data, kept outside the journal, did not reach the
 * disk: see {@link Check}). That point is exactly where a power loss cut the unsynced tail.
 */
public final class JournalReplay {
  private static final Logger log = LoggerFactory.getLogger(JournalReplay.class);
  static final int HEADER = 16;
  static final int MAX_RECORD = 1 << 30;
  private static final long MAX_GROUP_BYTES = 64L << 20;

  private JournalReplay() {}

  /** What replay found. */
  public record Replay(long lastSeq, long records, List<Long> segments) {}

  /**
   * Decides whether an intact record may be applied: false ends the replay there, as a torn
   * record would. It sees records in order, and must not depend on what earlier ones applied.
   */
  @FunctionalInterface
  public interface Check {
    Check ALL = b -> true;

    boolean intact(JournalBatch batch) throws Exception;
  }

  /**
   * Applies every intact record of every segment, in order, stopping at the first torn or corrupt
   * record or one that fails {@code check} (later segments are used only if they continue the
   * sequence exactly). Records up to {@code appliedThrough} are already in the database (a
   * checkpoint whose segments were not deleted yet, or RocksDB's own flush of a full memtable):
   * they are read for the sequence but neither checked nor applied again. Checking them would be
   * wrong, not only slow: their slots may since have been rewritten in place or reused, which the
   * store allows once a record is in the database on disk.
   */
  public static Replay replay(JournalIo io, Journal.Applier applier, Check check, long appliedThrough)
      throws Exception {
    List<Long> segments = io.segments();
    long last = 0;
    long count = 0;
    boolean cut = false;
    for (long first : segments) {
      if (cut || (last != 0 && first != last + 1)) {
        log.warn("journal segment {} does not continue sequence {}; ignoring it and later ones", first, last);
        break;
      }
      long expect = first;
      try (InputStream raw = io.read(first)) {
        DataInputStream in = new DataInputStream(raw);
        List<JournalBatch> pending = new ArrayList<>();
        long pendingBytes = 0;
        while (true) {
          JournalBatch b = readRecord(in, expect);
          if (b == null) {
            break;
          }
          if (expect <= appliedThrough) {
            last = expect++;
            continue;
          }
          if (!check.intact(b)) {
            log.info("journal record {} refers to data that never reached the disk; replay stops there", expect);
            cut = true;
            break;
          }
          pending.add(b);
          pendingBytes += b.bytes();
          last = expect++;
          count++;
          if (pendingBytes > MAX_GROUP_BYTES) {
            applier.apply(pending, last);
            pending = new ArrayList<>();
            pendingBytes = 0;
          }
        }
        if (!pending.isEmpty()) {
          applier.apply(pending, last);
        }
      }
      if (expect == first && last == 0) {
        // an empty first segment: nothing to continue from, keep looking with its numbering
        last = first - 1;
      }
    }
    return new Replay(last, count, segments);
  }

  private static JournalBatch readRecord(DataInputStream in, long expectSeq) throws IOException {
    byte[] header = new byte[HEADER];
    try {
      in.readFully(header);
    } catch (EOFException e) {
      return null;
    }
    ByteBuffer h = ByteBuffer.wrap(header);
    int len = h.getInt();
    int crc = h.getInt();
    long seq = h.getLong();
    if (len < 0 || len > MAX_RECORD || seq != expectSeq) {
      return null;
    }
    byte[] payload = new byte[len];
    try {
      in.readFully(payload);
    } catch (EOFException e) {
      log.info("journal ends in a torn record at seq {}", seq);
      return null;
    }
    if (crc != crcOf(len, seq, ByteBuffer.wrap(payload))) {
      log.info("journal record {} fails its CRC; replay stops there", seq);
      return null;
    }
    try {
      return JournalBatch.decode(payload);
    } catch (IOException e) {
      log.warn("journal record {} has a good CRC but does not decode; replay stops there", seq, e);
      return null;
    }
  }

  static int crcOf(int len, long seq, ByteBuffer payload) {
    CRC32C c = new CRC32C();
    ByteBuffer h = ByteBuffer.allocate(12).putInt(len).putLong(seq).flip();
    c.update(h);
    c.update(payload);
    return (int) c.getValue();
  }
}
