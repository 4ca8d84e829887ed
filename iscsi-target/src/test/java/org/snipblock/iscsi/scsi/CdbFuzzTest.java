package org.snipblock.iscsi.scsi;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import org.snipblock.block.LoggedErrors;
import org.snipblock.block.MemoryBlockDevice;

/**
 * Coverage-guided fuzzing of the command table and every CDB decoder: a few commands from two
 * initiators, each with any CDB and any Data-Out, on a fresh 1 MiB disk. Every command must get an
 * answer with a known status (CHECK CONDITION with parseable sense), and nothing may be logged as
 * an unexpected failure. In CI the committed inputs run (CdbFuzzTestInputs/); to fuzz, see the
 * README's reliability section.
 *
 * <p>Input framing, repeated up to four times: flags (bit 0: the second initiator), CDB length
 * (mod 33), the CDB, Data-Out length (two bytes, mod 8193), the Data-Out.
 */
class CdbFuzzTest {
  private static final int MAX_COMMANDS = 4;

  @FuzzTest(maxDuration = "10s")
  void everyCommandGetsAnAnswerAndNoSurprise(byte[] input) {
    ByteBuffer in = ByteBuffer.wrap(input);
    LogicalUnitHarness h = new LogicalUnitHarness(new MemoryBlockDevice("vol", 1 << 20, 512, false));
    try (LoggedErrors errors = new LoggedErrors()) {
      for (int i = 0; i < MAX_COMMANDS && in.remaining() >= 2; i++) {
        ItNexus nexus = (in.get() & 1) == 0 ? LogicalUnitHarness.A : LogicalUnitHarness.B;
        byte[] cdb = take(in, (in.get() & 0xff) % 33);
        byte[] dataOut = take(in, in.remaining() >= 2 ? (in.getShort() & 0xffff) % 8193 : 0);
        ScsiResponse r = h.exec(nexus, cdb, dataOut);
        assertThat(r.status()).isIn(ScsiResponse.GOOD, ScsiResponse.CHECK_CONDITION, ScsiResponse.CONDITION_MET,
            ScsiResponse.RESERVATION_CONFLICT, ScsiResponse.BUSY, ScsiResponse.TASK_SET_FULL);
        if (r.status() == ScsiResponse.CHECK_CONDITION) {
          SenseView.parse(r.sense());
        }
      }
      assertThat(errors.all()).as("unexpected failures logged").isEmpty();
    }
  }

  private static byte[] take(ByteBuffer in, int length) {
    byte[] b = new byte[Math.min(length, in.remaining())];
    in.get(b);
    return b;
  }
}
