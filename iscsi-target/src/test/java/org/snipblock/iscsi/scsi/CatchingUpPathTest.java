package org.snipblock.iscsi.scsi;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.snipblock.block.MemoryBlockDevice;

/**
 * A path whose copy of the shared state is behind a change another path has already answered
 * (its node promised to hold the LU until it caught up): its commands wait, run on the new state
 * once it is there, and are refused with NOT READY, IN PROCESS OF BECOMING READY if it does not
 * come in time. INQUIRY is answered meanwhile.
 */
class CatchingUpPathTest {
  private static final ItNexus H1 = new ItNexus("iqn.2026-11.org.test:h1", 0x23d000000001L,
      "iqn.2026-11.org.snipblock:vol", 1);
  private static final ItNexus H2 = new ItNexus("iqn.2026-11.org.test:h2", 0x23d000000002L,
      "iqn.2026-11.org.snipblock:vol", 2);

  /** One state in memory, seen by both nodes; node 1 may be behind it (a future to wait on) or not (null). */
  private static final class View implements SharedUnitState {
    private final SharedUnitState store;
    volatile CompletableFuture<Boolean> behind;

    View(SharedUnitState store) {
      this.store = store;
    }

    @Override
    public Versioned current(String device, long uniqueId) {
      return store.current(device, uniqueId);
    }

    @Override
    public CompletableFuture<Boolean> commit(String device, long uniqueId, long expectedVersion, byte[] state,
        boolean persistThroughPowerLoss) {
      return store.commit(device, uniqueId, expectedVersion, state, persistThroughPowerLoss);
    }

    @Override
    public CompletableFuture<Boolean> caughtUp(String device, long uniqueId) {
      return behind;
    }
  }

  private final MemoryBlockDevice device = new MemoryBlockDevice("vol", 4L << 20, 512, false);
  private final MemorySharedUnitState store = new MemorySharedUnitState();
  private final View shared = new View(store);
  private final BlockLogicalUnit node1 = new BlockLogicalUnit(device, new TestPortGroups(1), shared);
  private final BlockLogicalUnit node2 = new BlockLogicalUnit(device, new TestPortGroups(2), new View(store));

  @Test
  void aLaggingPathHoldsItsCommandsUntilItHasTheChangeAndRefusesThemIfItDoesNotComeInTime() throws Exception {
    run(node1, H1, Cdbs.testUnitReady()).get(5, TimeUnit.SECONDS); // takes the power-on unit attentions
    run(node2, H2, Cdbs.testUnitReady()).get(5, TimeUnit.SECONDS);
    // Host 1 reserves (RESERVE(6)) through node 2; node 1 is told of it before it has applied it.
    CompletableFuture<Boolean> applied = new CompletableFuture<>();
    shared.behind = applied;
    assertThat(run(node2, H2, new byte[] {0x16, 0, 0, 0, 0, 0}).get(5, TimeUnit.SECONDS).status()).isZero();

    CompletableFuture<ScsiResponse> write = run(node1, H1, Cdbs.rw10(Opcodes.WRITE_10, 0, 1, 0),
        LogicalUnitHarness.filled(512, 1));
    assertThat(run(node1, H1, Cdbs.inquiry(false, 0, 96)).get(5, TimeUnit.SECONDS).status())
        .as("INQUIRY is answered meanwhile").isZero();
    assertThat(write).as("the write waits for node 1's copy").isNotDone();
    shared.behind = null;
    applied.complete(true);
    assertThat(write.get(5, TimeUnit.SECONDS).status()).as("checked against the new state: host 2 holds it")
        .isEqualTo(ScsiResponse.RESERVATION_CONFLICT);

    CompletableFuture<Boolean> late = new CompletableFuture<>();
    shared.behind = late;
    CompletableFuture<ScsiResponse> read = run(node1, H1, Cdbs.rw10(Opcodes.READ_10, 0, 1, 0), new byte[0]);
    late.complete(false);
    ScsiResponse refused = read.get(5, TimeUnit.SECONDS);
    assertThat(refused.status()).isEqualTo(ScsiResponse.CHECK_CONDITION);
    SenseView s = SenseView.parse(refused.sense());
    assertThat(new int[] {s.key(), s.asc(), s.ascq()}).as("sense %s", s).containsExactly(Sense.NOT_READY, 0x04, 0x01);
  }

  private static CompletableFuture<ScsiResponse> run(BlockLogicalUnit lu, ItNexus nexus, byte[] cdb) {
    return run(lu, nexus, cdb, new byte[0]);
  }

  private static CompletableFuture<ScsiResponse> run(BlockLogicalUnit lu, ItNexus nexus, byte[] cdb, byte[] dataOut) {
    return lu.execute(new ScsiCommand(cdb, ByteBuffer.wrap(dataOut).asReadOnlyBuffer(), 1 << 24, nexus, 1));
  }
}
