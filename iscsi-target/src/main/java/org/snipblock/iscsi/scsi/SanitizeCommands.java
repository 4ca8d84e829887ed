package org.snipblock.iscsi.scsi;

import static org.snipblock.iscsi.scsi.Opcodes.SANITIZE;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snipblock.block.DaemonThreads;

/**
 * SANITIZE (SBC-4 5.30): OVERWRITE writes the initialization pattern over the whole volume
 * (optionally inverted between passes), BLOCK ERASE deallocates the whole volume (it then reads
 * as zeroes), EXIT FAILURE MODE leaves the failure mode of a failed sanitize. CRYPTOGRAPHIC
 * ERASE is not offered: volumes are not encrypted under a per-volume key that could be thrown
 * away, so claiming it would be a lie; it meets INVALID FIELD IN CDB like any unknown service
 * action.
 *
 * <p>An overwrite runs in the background, one chunk at a time (bounded memory), at most at the
 * configured rate so that wiping one volume does not starve the others on the store.
 */
final class SanitizeCommands {
  private static final Logger log = LoggerFactory.getLogger(SanitizeCommands.class);

  static final int SA_OVERWRITE = 0x01;
  static final int SA_BLOCK_ERASE = 0x02;
  static final int SA_EXIT_FAILURE_MODE = 0x1f;
  /** Largest piece of an overwrite in memory and in flight at once. */
  private static final int CHUNK = 1 << 20;

  /**
   * Starts each next chunk of every overwrite in the process: one daemon thread that only hands
   * out writes (the device completes them asynchronously), never waits for I/O.
   */
  private static final ScheduledExecutorService PACER =
      Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("sanitize-pacer"));

  private final UnitContext unit;
  private final long overwriteBytesPerSecond;

  /** @param overwriteBytesPerSecond pace of OVERWRITE passes; 0 or less: as fast as the device goes */
  SanitizeCommands(UnitContext unit, long overwriteBytesPerSecond) {
    this.unit = unit;
    this.overwriteBytesPerSecond = overwriteBytesPerSecond;
  }

  void register(CommandTable t) {
    t.add(spec("SANITIZE OVERWRITE", SA_OVERWRITE, this::overwrite));
    t.add(spec("SANITIZE BLOCK ERASE", SA_BLOCK_ERASE, this::blockErase));
    t.add(spec("SANITIZE EXIT FAILURE MODE", SA_EXIT_FAILURE_MODE, this::exitFailureMode));
  }

  private static CommandSpec spec(String name, int serviceAction, CommandHandler handler) {
    // Byte 1: IMMED, AUSE and the service action; bytes 7-8 PARAMETER LIST LENGTH.
    return CommandSpec.withServiceAction(name, serviceAction, Access.WRITE, handler,
        SANITIZE, 0xa0 | serviceAction, 0, 0, 0, 0, 0, 0xff, 0xff, 0x07);
  }

  /** Checks the fields every service action shares; returns the PARAMETER LIST LENGTH. */
  private static int common(Cdb cdb) {
    cdb.requireLength(10);
    cdb.control(9);
    cdb.reserved(1, 0x40);
    cdb.reservedBytes(2, 6);
    return cdb.u16(7);
  }

  private static boolean immediate(Cdb cdb) {
    return cdb.bit(1, 7);
  }

  private static boolean unrestrictedExit(Cdb cdb) {
    return cdb.bit(1, 5);
  }

  private CompletableFuture<ScsiResponse> overwrite(ScsiCommand command, Cdb cdb) {
    int length = common(cdb);
    int blockSize = unit.geometry.blockSize();
    // Four bytes of header and an INITIALIZATION PATTERN of 1..block size bytes.
    if (length < 5 || length > blockSize + 4) {
      throw CheckCondition.invalidField(7, -1);
    }
    byte[] p = DataOut.parameters(command, length);
    boolean invert = (p[0] & 0x80) != 0;
    int test = (p[0] >>> 5) & 0x03;
    int passes = p[0] & 0x1f;
    int patternLength = Bytes.u16(p, 2);
    // The suite (and tgt) expect INVALID FIELD IN CDB for inconsistent parameter data too.
    if (test != 0 || passes == 0 || p[1] != 0 || patternLength == 0
        || patternLength != length - 4) {
      throw new CheckCondition(Sense.of(Sense.ILLEGAL_REQUEST, 0x24, 0x00));
    }
    unit.checkWritable();
    byte[] block = new byte[blockSize];
    for (int i = 0; i < blockSize; i++) {
      block[i] = p[4 + i % patternLength];
    }
    long size = unit.device.size();
    return run(command, cdb, size * passes, op -> new PatternWriter(op, block, invert, passes, size).start());
  }

  private CompletableFuture<ScsiResponse> blockErase(ScsiCommand command, Cdb cdb) {
    if (common(cdb) != 0) {
      throw CheckCondition.invalidField(7, -1);
    }
    unit.checkWritable();
    long size = unit.device.size();
    return run(command, cdb, size, op -> unit.device.trim(0, size, false)
        .thenRun(() -> op.progressed(size)));
  }

  private CompletableFuture<ScsiResponse> exitFailureMode(ScsiCommand command, Cdb cdb) {
    if (common(cdb) != 0) {
      throw CheckCondition.invalidField(7, -1);
    }
    if (!unit.sanitize.exitFailureMode()) {
      // The failed sanitize did not allow an unrestricted exit (AUSE 0): only a successful
      // sanitize may leave failure mode.
      throw CheckCondition.invalidField(1, 4);
    }
    return Responses.GOOD;
  }

  /**
   * Runs a sanitize operation; with IMMED the command completes once it has started, otherwise
   * when it has ended (or is aborted). Either way the operation runs to its end: aborts, resets
   * and a lost connection do not stop it (SBC-4 4.11.2).
   */
  private CompletableFuture<ScsiResponse> run(ScsiCommand command, Cdb cdb, long totalBytes,
      Function<SanitizeState.Operation, CompletableFuture<Void>> work) {
    boolean unrestrictedExit = unrestrictedExit(cdb);
    SanitizeState.Operation op = unit.sanitize.begin(totalBytes);
    if (op == null) {
      throw new CheckCondition(unit.sanitize.inProgress());
    }
    log.info("sanitize of {} started ({})", unit.device.name(), cdb.serviceAction() == SA_OVERWRITE
        ? "overwrite" : "block erase");
    CompletableFuture<Void> done;
    try {
      done = work.apply(op).thenCompose(v -> unit.device.flush());
    } catch (RuntimeException e) {
      done = CompletableFuture.failedFuture(e);
    }
    CompletableFuture<ScsiResponse> result = done.handle((v, failure) -> {
      unit.sanitize.end(op, failure == null, unrestrictedExit);
      if (failure != null) {
        log.warn("sanitize of {} failed; the unit is in sanitize failure mode",
            unit.device.name(), failure);
        throw new CheckCondition(Sense.sanitizeFailed());
      }
      log.info("sanitize of {} finished", unit.device.name());
      return ScsiResponse.good();
    });
    if (immediate(cdb)) {
      return Responses.GOOD;
    }
    // An aborted SANITIZE lets go of its task at once; the operation itself goes on.
    CompletableFuture<ScsiResponse> answer = new CompletableFuture<>();
    unit.detachable.put(command, answer);
    result.whenComplete((response, failure) -> {
      unit.detachable.remove(command);
      if (failure != null) {
        answer.completeExceptionally(failure);
      } else {
        answer.complete(response);
      }
    });
    return answer;
  }

  /**
   * Writes the pattern over the whole volume, pass after pass, one chunk at a time. Each next
   * chunk is scheduled on the pacer (later when ahead of the pace), so a device that completes
   * writes inline cannot deepen the stack.
   */
  private final class PatternWriter {
    private final SanitizeState.Operation op;
    private final ByteBuffer chunk;
    private final ByteBuffer invertedChunk;
    private final int passes;
    private final long size;
    private final CompletableFuture<Void> result = new CompletableFuture<>();
    private final long startNanos = System.nanoTime();
    private long written;
    private long position;
    private int pass;

    PatternWriter(SanitizeState.Operation op, byte[] block, boolean invert, int passes, long size) {
      this.op = op;
      this.chunk = repeat(block, false);
      this.invertedChunk = invert ? repeat(block, true) : chunk;
      this.passes = passes;
      this.size = size;
    }

    CompletableFuture<Void> start() {
      next();
      return result;
    }

    private void next() {
      if (pass == passes || size == 0) {
        result.complete(null);
        return;
      }
      int n = (int) Math.min(chunk.capacity(), size - position);
      ByteBuffer src = (pass % 2 == 1 ? invertedChunk : chunk).duplicate().limit(n);
      unit.device.write(position, src, false).whenComplete((v, e) -> {
        if (e != null) {
          result.completeExceptionally(e);
          return;
        }
        op.progressed(n);
        written += n;
        position += n;
        if (position >= size) {
          position = 0;
          pass++;
        }
        scheduleNext();
      });
    }

    private void scheduleNext() {
      long delay = 0;
      if (overwriteBytesPerSecond > 0) {
        long due = startNanos + (long) (written * 1e9 / overwriteBytesPerSecond);
        delay = Math.max(0, due - System.nanoTime());
      }
      PACER.schedule(this::next, delay, TimeUnit.NANOSECONDS);
    }

    private ByteBuffer repeat(byte[] block, boolean inverted) {
      int blocks = (int) Math.max(1, Math.min(size, CHUNK) / block.length);
      byte[] b = new byte[blocks * block.length];
      for (int i = 0; i < b.length; i++) {
        byte v = block[i % block.length];
        b[i] = inverted ? (byte) ~v : v;
      }
      return ByteBuffer.wrap(b);
    }
  }
}
