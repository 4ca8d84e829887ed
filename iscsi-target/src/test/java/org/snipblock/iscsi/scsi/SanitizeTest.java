package org.snipblock.iscsi.scsi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.snipblock.iscsi.scsi.LogicalUnitHarness.A;
import static org.snipblock.iscsi.scsi.LogicalUnitHarness.B;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.snipblock.block.MemoryBlockDevice;

class SanitizeTest {
  private static final int OVERWRITE = 0x01;
  private static final int BLOCK_ERASE = 0x02;
  private static final int CRYPTO_ERASE = 0x03;
  private static final int EXIT_FAILURE_MODE = 0x1f;

  @Test
  void overwriteRepeatsThePatternOverEveryBlockAndInvertsBetweenPasses() {
    LogicalUnitHarness h = LogicalUnitHarness.memory();
    byte[] pattern = {0x12, 0x34, 0x56};
    byte[] p = Cdbs.overwriteParameters(false, 1, pattern);
    h.good(Cdbs.sanitize(OVERWRITE, p.length), p);
    byte[] expected = new byte[512];
    for (int i = 0; i < expected.length; i++) {
      expected[i] = pattern[i % 3];
    }
    assertThat(h.read(0, 1)).isEqualTo(expected);
    assertThat(h.read(h.blocks() - 1, 1)).isEqualTo(expected);

    // Two passes with INVERT: the second, inverted, is what stays.
    p = Cdbs.overwriteParameters(true, 2, new byte[] {0x0f});
    h.good(Cdbs.sanitize(OVERWRITE, p.length), p);
    assertThat(h.read(h.blocks() / 2, 1)).isEqualTo(LogicalUnitHarness.filled(512, 0xf0));
  }

  @Test
  void blockEraseDeallocatesEverything() throws Exception {
    LogicalUnitHarness h = LogicalUnitHarness.memory();
    h.write(0, LogicalUnitHarness.filled(512 * 8, 'a'));
    h.write(h.blocks() - 8, LogicalUnitHarness.filled(512 * 8, 'a'));
    h.good(Cdbs.sanitize(BLOCK_ERASE, 0));
    assertThat(h.read(0, 8)).isEqualTo(new byte[512 * 8]);
    assertThat(h.device.allocation(0, h.device.size()).get(5, TimeUnit.SECONDS))
        .allMatch(e -> e.hole());
  }

  @Test
  void malformedSanitizeIsInvalidFieldInCdbAndChangesNothing() {
    LogicalUnitHarness h = LogicalUnitHarness.memory();
    h.write(0, LogicalUnitHarness.filled(512, 'a'));
    byte[] full = Cdbs.overwriteParameters(false, 1, LogicalUnitHarness.filled(512, 0xaa));
    for (int length : new int[] {0, 1, 4, 512 + 5}) {
      h.invalidField(Cdbs.sanitize(OVERWRITE, length), new byte[512 + 8]);
    }
    h.invalidField(Cdbs.sanitize(OVERWRITE, full.length),
        Cdbs.overwriteParameters(false, 0, LogicalUnitHarness.filled(512, 0xaa))); // no pass
    byte[] zeroPattern = full.clone();
    zeroPattern[2] = 0;
    zeroPattern[3] = 0;
    h.invalidField(Cdbs.sanitize(OVERWRITE, full.length), zeroPattern);
    h.invalidField(Cdbs.sanitize(BLOCK_ERASE, 8), new byte[8]);
    h.invalidField(Cdbs.sanitize(EXIT_FAILURE_MODE, 8), new byte[8]);
    h.invalidField(Cdbs.sanitize(CRYPTO_ERASE, 0));
    h.invalidField(Cdbs.sanitize(0x04, 0));
    h.invalidField(Cdbs.sanitize(0x40 | BLOCK_ERASE, 0)); // reserved bit
    byte[] reservedByte = Cdbs.sanitize(BLOCK_ERASE, 0);
    reservedByte[4] = 1;
    h.invalidField(reservedByte);
    assertThat(h.read(0, 1)).isEqualTo(LogicalUnitHarness.filled(512, 'a'));
  }

  @Test
  void exitFailureModeOutsideFailureModeIsGood() {
    LogicalUnitHarness.memory().good(Cdbs.sanitize(EXIT_FAILURE_MODE, 0));
  }

  @Test
  void writeProtectionAndReservationsStopASanitize() {
    LogicalUnitHarness ro = LogicalUnitHarness.memory(512, true);
    ro.check(Cdbs.sanitize(BLOCK_ERASE, 0), new byte[0], Sense.DATA_PROTECT, 0x27, 0x00);
    LogicalUnitHarness h = LogicalUnitHarness.memory();
    h.good(B, Cdbs.of(0x16, 0, 0, 0, 0, 0), new byte[0]); // RESERVE(6) by B
    assertThat(h.exec(A, Cdbs.sanitize(BLOCK_ERASE, 0)).status())
        .isEqualTo(ScsiResponse.RESERVATION_CONFLICT);
  }

  @Test
  void whileSanitizingOnlyInquiryReportLunsAndRequestSenseRun() throws Exception {
    // 4 MiB at 2 MiB/s: the overwrite is in progress for about two seconds.
    MemoryBlockDevice device = new MemoryBlockDevice("vol", 4L << 20, 512, false);
    BlockLogicalUnit lu = new BlockLogicalUnit(device, 512, 2L << 20);
    LogicalUnitHarness h = new LogicalUnitHarness(device, lu);
    h.exec(A, Cdbs.testUnitReady());
    h.exec(B, Cdbs.testUnitReady());
    byte[] p = Cdbs.overwriteParameters(false, 1, LogicalUnitHarness.filled(512, 0x5a));
    CompletableFuture<ScsiResponse> sanitize = lu.execute(new ScsiCommand(
        Cdbs.sanitize(0x20 | OVERWRITE, p.length), ByteBuffer.wrap(p), 1 << 24, A, 1));
    assertThat(sanitize).isNotDone();

    h.check(B, Cdbs.testUnitReady(), new byte[0], Sense.NOT_READY, 0x04, 0x1b);
    h.check(B, Cdbs.read16(0, 1, 0), new byte[0], Sense.NOT_READY, 0x04, 0x1b);
    h.check(A, Cdbs.sanitize(BLOCK_ERASE, 0), new byte[0], Sense.NOT_READY, 0x04, 0x1b);
    h.good(B, Cdbs.inquiry(false, 0, 96), new byte[0]);
    SenseView progress = SenseView.parse(h.good(B, Cdbs.of(0x03, 0, 0, 0, 252, 0), new byte[0]));
    assertThat(new int[] {progress.key(), progress.asc(), progress.ascq()})
        .containsExactly(Sense.NOT_READY, 0x04, 0x1b);

    assertThat(sanitize.get(30, TimeUnit.SECONDS).status()).isEqualTo(ScsiResponse.GOOD);
    h.good(B, Cdbs.testUnitReady(), new byte[0]);
    assertThat(h.read(h.blocks() - 1, 1)).isEqualTo(LogicalUnitHarness.filled(512, 0x5a));
  }

  @Test
  void immediateSanitizeAnswersAtOnceAndKeepsRunning() throws Exception {
    MemoryBlockDevice device = new MemoryBlockDevice("vol", 4L << 20, 512, false);
    BlockLogicalUnit lu = new BlockLogicalUnit(device, 512, 2L << 20);
    LogicalUnitHarness h = new LogicalUnitHarness(device, lu);
    h.exec(A, Cdbs.testUnitReady());
    byte[] p = Cdbs.overwriteParameters(false, 1, LogicalUnitHarness.filled(512, 0x11));
    h.good(Cdbs.sanitize(0x80 | OVERWRITE, p.length), p);
    h.check(A, Cdbs.testUnitReady(), new byte[0], Sense.NOT_READY, 0x04, 0x1b);
    // Resets do not stop a sanitize (SBC-4 4.11.2).
    lu.taskManagement(LogicalUnit.TaskManagement.LUN_RESET, A);
    lu.nexusLost(A);
    h.check(B, Cdbs.testUnitReady(), new byte[0], Sense.UNIT_ATTENTION, 0x29, 0x00);
    h.check(B, Cdbs.testUnitReady(), new byte[0], Sense.NOT_READY, 0x04, 0x1b);
  }

  @Test
  void anAbortedSanitizeLetsGoOfItsTaskButGoesOn() throws Exception {
    MemoryBlockDevice device = new MemoryBlockDevice("vol", 4L << 20, 512, false);
    BlockLogicalUnit lu = new BlockLogicalUnit(device, 512, 1L << 20);
    LogicalUnitHarness h = new LogicalUnitHarness(device, lu);
    h.exec(A, Cdbs.testUnitReady());
    byte[] p = Cdbs.overwriteParameters(false, 1, LogicalUnitHarness.filled(512, 0x22));
    ScsiCommand command = new ScsiCommand(Cdbs.sanitize(OVERWRITE, p.length), ByteBuffer.wrap(p),
        1 << 24, A, 7);
    CompletableFuture<ScsiResponse> sanitize = lu.execute(command);
    assertThat(sanitize).isNotDone();
    lu.aborted(command);
    assertThat(sanitize).isDone();
    h.check(A, Cdbs.testUnitReady(), new byte[0], Sense.NOT_READY, 0x04, 0x1b);
  }

  @Test
  void supportedOperationsListOverwriteBlockEraseAndExitButNotCryptoErase() {
    LogicalUnitHarness h = LogicalUnitHarness.memory();
    for (int sa : new int[] {OVERWRITE, BLOCK_ERASE, EXIT_FAILURE_MODE}) {
      byte[] one = h.good(Cdbs.reportSupportedOpcodes(0x02, 0x48, sa, false));
      assertThat(one[1] & 0x07).as("SUPPORT for service action %d", sa).isEqualTo(3);
    }
    byte[] crypto = h.good(Cdbs.reportSupportedOpcodes(0x02, 0x48, CRYPTO_ERASE, false));
    assertThat(crypto[1] & 0x07).isEqualTo(1);
    byte[] bdc = h.good(Cdbs.inquiry(true, 0xb1, 64));
    assertThat(bdc[7] & 0xf0).as("WABEREQ 01b, WACEREQ 00b").isEqualTo(0x40);
  }
}
