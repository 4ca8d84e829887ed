package org.snipblock.iscsi.scsi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.snipblock.iscsi.scsi.LogicalUnitHarness.A;
import static org.snipblock.iscsi.scsi.LogicalUnitHarness.B;
import static org.snipblock.iscsi.scsi.LogicalUnitHarness.C;
import static org.snipblock.iscsi.scsi.LogicalUnitHarness.filled;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ReservationTest {
  private static final int REGISTER = 0, RESERVE = 1, RELEASE = 2, CLEAR = 3, PREEMPT = 4,
      REGISTER_AND_IGNORE = 6, REGISTER_AND_MOVE = 7;

  private final LogicalUnitHarness h = LogicalUnitHarness.memory();

  private int status(ItNexus n, int sa, int type, long key, long saKey) {
    return h.exec(n, Cdbs.prOut(sa, type), Cdbs.prOutParameters(key, saKey)).status();
  }

  private void ok(ItNexus n, int sa, int type, long key, long saKey) {
    assertThat(status(n, sa, type, key, saKey)).as("PR OUT sa %d", sa).isEqualTo(ScsiResponse.GOOD);
  }

  private int readStatus(ItNexus n) {
    return h.exec(n, Cdbs.rw10(Opcodes.READ_10, 0, 1, 0)).status();
  }

  private int writeStatus(ItNexus n) {
    return h.exec(n, Cdbs.rw10(Opcodes.WRITE_10, 0, 1, 0), filled(512, 1)).status();
  }

  /** Asked from C, which no test here gives a unit attention before it looks. */
  private byte[] readReservation() {
    return h.good(C, Cdbs.prIn(1, 255), new byte[0]);
  }

  @Test
  void registerReadKeysAndUnregister() {
    ok(A, REGISTER, 0, 0, 0xa);
    ok(B, REGISTER_AND_IGNORE, 0, 0, 0xb);
    byte[] keys = h.good(Cdbs.prIn(0, 255));
    assertThat(Bytes.u32(keys, 0)).isEqualTo(2); // generation
    assertThat(Bytes.u32(keys, 4)).isEqualTo(16);
    assertThat(Bytes.u64(keys, 8)).isEqualTo(0xa);
    assertThat(Bytes.u64(keys, 16)).isEqualTo(0xb);
    // Wrong current key: conflict. Truncated answer still tells the whole length.
    assertThat(status(A, REGISTER, 0, 0x99, 0xc)).isEqualTo(ScsiResponse.RESERVATION_CONFLICT);
    assertThat(h.good(Cdbs.prIn(0, 8))).hasSize(8);
    ok(A, REGISTER, 0, 0xa, 0);
    assertThat(Bytes.u32(h.good(Cdbs.prIn(0, 255)), 4)).isEqualTo(8);
  }

  @ParameterizedTest(name = "type {0}")
  @CsvSource({
    // type, registered B reads, registered B writes, unregistered C reads, unregistered C writes
    "1, true, false, true, false",
    "3, false, false, false, false",
    "5, true, true, true, false",
    "6, true, true, false, false",
    "7, true, true, true, false",
    "8, true, true, false, false"})
  void accessFollowsTheReservationType(int type, boolean bRead, boolean bWrite, boolean cRead, boolean cWrite) {
    ok(A, REGISTER, 0, 0, 0xa);
    ok(B, REGISTER, 0, 0, 0xb);
    ok(A, RESERVE, type, 0xa, 0);
    byte[] r = readReservation();
    assertThat(Bytes.u32(r, 4)).isEqualTo(16);
    assertThat(Bytes.u64(r, 8)).isEqualTo(type >= 7 ? 0 : 0xa);
    assertThat(r[21] & 0x0f).isEqualTo(type);
    assertThat(readStatus(A)).isEqualTo(ScsiResponse.GOOD);
    assertThat(writeStatus(A)).isEqualTo(ScsiResponse.GOOD);
    assertThat(readStatus(B) == ScsiResponse.GOOD).isEqualTo(bRead);
    assertThat(writeStatus(B) == ScsiResponse.GOOD).isEqualTo(bWrite);
    assertThat(readStatus(C) == ScsiResponse.GOOD).isEqualTo(cRead);
    assertThat(writeStatus(C) == ScsiResponse.GOOD).isEqualTo(cWrite);
    // Everyone may always ask who holds what.
    h.good(C, Cdbs.inquiry(false, 0, 96), new byte[0]);
    h.good(C, Cdbs.prIn(1, 255), new byte[0]);
    h.good(C, Cdbs.readCapacity16(32), new byte[0]);
    ok(A, RELEASE, type, 0xa, 0);
    assertThat(Bytes.u32(readReservation(), 4)).isZero();
    assertThat(writeStatus(C)).isEqualTo(ScsiResponse.GOOD);
  }

  @Test
  void unregisteringTheHolderEndsAnOrdinaryReservationButNotAnAllRegistrantsOne() {
    ok(A, REGISTER, 0, 0, 0xa);
    ok(B, REGISTER, 0, 0, 0xb);
    ok(A, RESERVE, 5, 0xa, 0); // WERO
    ok(A, REGISTER, 0, 0xa, 0);
    assertThat(Bytes.u32(readReservation(), 4)).isZero();
    h.check(B, Cdbs.testUnitReady(), new byte[0], Sense.UNIT_ATTENTION, 0x2a, 0x04);

    ok(A, REGISTER, 0, 0, 0xa);
    ok(A, RESERVE, 7, 0xa, 0); // WEAR
    ok(A, REGISTER, 0, 0xa, 0);
    assertThat(Bytes.u32(readReservation(), 4)).isEqualTo(16);
    ok(B, RELEASE, 7, 0xb, 0);
    assertThat(Bytes.u32(readReservation(), 4)).isZero();
  }

  @Test
  void reserveConflictsReleaseTypeMismatchAndBadTypes() {
    ok(A, REGISTER, 0, 0, 0xa);
    ok(B, REGISTER, 0, 0, 0xb);
    assertThat(status(C, RESERVE, 1, 0xc, 0)).isEqualTo(ScsiResponse.RESERVATION_CONFLICT);
    ok(A, RESERVE, 1, 0xa, 0);
    ok(A, RESERVE, 1, 0xa, 0); // same holder, same type: fine
    assertThat(status(B, RESERVE, 1, 0xb, 0)).isEqualTo(ScsiResponse.RESERVATION_CONFLICT);
    h.check(Cdbs.prOut(RELEASE, 3), Cdbs.prOutParameters(0xa, 0), Sense.ILLEGAL_REQUEST, 0x26, 0x04);
    ok(B, RELEASE, 1, 0xb, 0); // not the holder: no-op
    assertThat(Bytes.u32(readReservation(), 4)).isEqualTo(16);
    h.invalidField(Cdbs.prOut(RESERVE, 2), Cdbs.prOutParameters(0xa, 0));
    h.invalidField(Cdbs.prOut(RESERVE, 0x11), Cdbs.prOutParameters(0xa, 0));
  }

  @Test
  void parameterListProblems() {
    byte[] cdb = Cdbs.prOut(REGISTER, 0);
    Bytes.putInt(cdb, 5, 20);
    h.check(cdb, new byte[20], Sense.ILLEGAL_REQUEST, 0x1a, 0);
    byte[] p = Cdbs.prOutParameters(0, 0xa);
    p[20] = 0x01; // APTPL: not offered
    h.check(Cdbs.prOut(REGISTER, 0), p, Sense.ILLEGAL_REQUEST, 0x26, 0);
    p[20] = 0x08; // SPEC_I_PT
    h.check(Cdbs.prOut(REGISTER, 0), p, Sense.ILLEGAL_REQUEST, 0x26, 0);
    assertThat(Bytes.u32(h.good(Cdbs.prIn(0, 255)), 4)).isZero();
    h.invalidField(Cdbs.prIn(4, 255));
    h.invalidField(Cdbs.of(0x5f, 0x08, 0, 0, 0, 0, 0, 0, 24, 0), new byte[24]);
  }

  @Test
  void preemptRemovesTheVictimAndTakesTheReservation() {
    ok(A, REGISTER, 0, 0, 0xa);
    ok(B, REGISTER, 0, 0, 0xb);
    ok(A, RESERVE, 3, 0xa, 0);
    ok(B, PREEMPT, 1, 0xb, 0xa);
    byte[] r = readReservation();
    assertThat(Bytes.u64(r, 8)).isEqualTo(0xb);
    assertThat(r[21] & 0x0f).isEqualTo(1);
    byte[] keys = h.good(B, Cdbs.prIn(0, 255), new byte[0]);
    assertThat(Bytes.u32(keys, 4)).isEqualTo(8);
    h.check(A, Cdbs.testUnitReady(), new byte[0], Sense.UNIT_ATTENTION, 0x2a, 0x05);
    assertThat(status(B, PREEMPT, 1, 0xb, 0x77)).isEqualTo(ScsiResponse.RESERVATION_CONFLICT);
    h.check(B, Cdbs.prOut(PREEMPT, 1), Cdbs.prOutParameters(0xb, 0), Sense.ILLEGAL_REQUEST, 0x26, 0);
  }

  @Test
  void clearDropsEverything() {
    ok(A, REGISTER, 0, 0, 0xa);
    ok(B, REGISTER, 0, 0, 0xb);
    ok(A, RESERVE, 1, 0xa, 0);
    ok(B, CLEAR, 0, 0xb, 0);
    assertThat(Bytes.u32(h.good(C, Cdbs.prIn(0, 255), new byte[0]), 4)).isZero();
    assertThat(Bytes.u32(readReservation(), 4)).isZero();
    h.check(A, Cdbs.testUnitReady(), new byte[0], Sense.UNIT_ATTENTION, 0x2a, 0x03);
  }

  @Test
  void capabilitiesAndFullStatus() {
    byte[] caps = h.good(Cdbs.prIn(2, 255));
    assertThat(Bytes.u16(caps, 0)).isEqualTo(8);
    assertThat(caps[2] & 0x01).isZero(); // PTPL_C
    assertThat(caps[4] & 0xff).isEqualTo(0xea);
    assertThat(caps[5] & 0x01).isEqualTo(1);
    ok(A, REGISTER, 0, 0, 0xa);
    ok(A, RESERVE, 1, 0xa, 0);
    byte[] full = h.good(Cdbs.prIn(3, 1024));
    assertThat(Bytes.u64(full, 8)).isEqualTo(0xa);
    assertThat(full[20] & 0x01).isEqualTo(1); // R_HOLDER
    assertThat(full[21] & 0x0f).isEqualTo(1);
    int idLength = (int) Bytes.u32(full, 28);
    assertThat(full[32]).isEqualTo((byte) 0x45); // iSCSI, initiator port format
    String id = new String(full, 36, idLength - 4).trim();
    assertThat(id).startsWith(A.initiatorPortName());
  }

  @Test
  void registerAndMoveHandsTheReservationOver() {
    ok(A, REGISTER, 0, 0, 0xa);
    ok(A, RESERVE, 1, 0xa, 0);
    byte[] name = (B.initiatorPortName() + "\0\0\0\0").getBytes();
    int idLen = 4 + ((B.initiatorPortName().length() + 4) & ~3);
    byte[] p = new byte[24 + idLen];
    Bytes.putLong(p, 0, 0xa);
    Bytes.putLong(p, 8, 0xb);
    p[17] = 0x02; // UNREG
    Bytes.putInt(p, 20, idLen);
    p[24] = 0x45;
    Bytes.putShort(p, 26, idLen - 4);
    System.arraycopy(name, 0, p, 28, Math.min(name.length, idLen - 4));
    byte[] cdb = Cdbs.prOut(REGISTER_AND_MOVE, 1);
    Bytes.putInt(cdb, 5, p.length);
    h.good(A, cdb, p);
    assertThat(Bytes.u64(readReservation(), 8)).isEqualTo(0xb);
    assertThat(writeStatus(B)).isEqualTo(ScsiResponse.GOOD);
    assertThat(writeStatus(A)).isEqualTo(ScsiResponse.RESERVATION_CONFLICT);
  }

  @Test
  void persistentReservationsSurviveResetsAndNexusLoss() {
    ok(A, REGISTER, 0, 0, 0xa);
    ok(A, RESERVE, 1, 0xa, 0);
    h.lu.taskManagement(LogicalUnit.TaskManagement.LUN_RESET, A);
    h.lu.nexusLost(A);
    h.check(B, Cdbs.testUnitReady(), new byte[0], Sense.UNIT_ATTENTION, 0x29, 0x03);
    assertThat(writeStatus(B)).isEqualTo(ScsiResponse.RESERVATION_CONFLICT);
    h.check(A, Cdbs.testUnitReady(), new byte[0], Sense.UNIT_ATTENTION, 0x29, 0x00);
    assertThat(writeStatus(A)).isEqualTo(ScsiResponse.GOOD);
  }

  @Test
  void legacyReserveBlocksOthersUntilReleaseResetOrNexusLoss() {
    byte[] reserve = Cdbs.of(0x16, 0, 0, 0, 0, 0);
    byte[] release = Cdbs.of(0x17, 0, 0, 0, 0, 0);
    h.good(A, reserve, new byte[0]);
    h.good(A, reserve, new byte[0]);
    assertThat(h.exec(B, reserve).status()).isEqualTo(ScsiResponse.RESERVATION_CONFLICT);
    assertThat(h.exec(B, Cdbs.modeSense6(0x3f, 0, 255, false)).status()).isEqualTo(ScsiResponse.RESERVATION_CONFLICT);
    assertThat(readStatus(B)).isEqualTo(ScsiResponse.RESERVATION_CONFLICT);
    h.good(B, Cdbs.inquiry(false, 0, 96), new byte[0]);
    h.good(B, release, new byte[0]); // not the holder: no-op
    assertThat(readStatus(B)).isEqualTo(ScsiResponse.RESERVATION_CONFLICT);
    assertThat(status(B, REGISTER, 0, 0, 0xb)).isEqualTo(ScsiResponse.RESERVATION_CONFLICT);
    h.good(A, release, new byte[0]);
    h.good(B, Cdbs.of(0x56, 0, 0, 0, 0, 0, 0, 0, 0, 0), new byte[0]);
    h.lu.nexusLost(B);
    h.good(A, reserve, new byte[0]);
    h.lu.taskManagement(LogicalUnit.TaskManagement.TARGET_WARM_RESET, C);
    h.exec(C, Cdbs.testUnitReady());
    h.good(C, reserve, new byte[0]);
    h.check(C, Cdbs.of(0x16, 0x01, 0, 0, 0, 0), new byte[0], Sense.ILLEGAL_REQUEST, 0x24, 0);
    // With persistent reservations in place, RESERVE(6) conflicts.
    h.good(C, release, new byte[0]);
    h.exec(A, Cdbs.testUnitReady());
    ok(A, REGISTER_AND_IGNORE, 0, 0, 0xa);
    assertThat(h.exec(A, reserve).status()).isEqualTo(ScsiResponse.RESERVATION_CONFLICT);
  }
}
