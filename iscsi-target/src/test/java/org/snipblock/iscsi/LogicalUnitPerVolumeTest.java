package org.snipblock.iscsi;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.snipblock.block.MemoryBlockDevice;
import org.snipblock.block.MemoryCatalog;
import org.snipblock.iscsi.scsi.LogicalUnit;
import org.snipblock.iscsi.session.TargetContext;

/** One logical unit per volume: shared while the volume lives, fresh for a recreated one. */
class LogicalUnitPerVolumeTest {
  private static final String TARGET = IscsiTargetConfig.DEFAULT_PREFIX + "disk";

  @Test
  void aVolumeRecreatedUnderTheSameNameGetsAFreshLogicalUnit() {
    MemoryCatalog catalog = new MemoryCatalog().add("disk", 1 << 20);
    TargetContext context = new TargetContext(IscsiTargetConfig.defaults(), catalog);
    LogicalUnit first = context.logicalUnit(TARGET).orElseThrow();
    assertThat(context.logicalUnit(TARGET)).containsSame(first);

    // Deleted, then created again: another volume (another unique id) behind the same name.
    catalog.remove("disk");
    assertThat(context.logicalUnit(TARGET)).isEmpty();
    catalog.put("disk", new MemoryBlockDevice("disk-again", 1 << 20, 512, false));
    LogicalUnit second = context.logicalUnit(TARGET).orElseThrow();
    assertThat(second).isNotSameAs(first);
    assertThat(context.logicalUnit(TARGET)).containsSame(second);

    // Replaced without the name ever disappearing from the catalog.
    catalog.put("disk", new MemoryBlockDevice("disk-third", 1 << 20, 512, false));
    assertThat(context.logicalUnit(TARGET).orElseThrow()).isNotSameAs(second);
  }

  @Test
  void aUnitHoldsOneDeviceHandleAndOnlyWhileLoginsHoldIt() {
    java.util.concurrent.atomic.AtomicInteger open = new java.util.concurrent.atomic.AtomicInteger();
    MemoryBlockDevice disk = new MemoryBlockDevice("disk", 1 << 20, 512, false);
    // Each open a handle of its own, as the store's catalog hands out: counted until closed.
    org.snipblock.block.BlockDeviceCatalog catalog = new org.snipblock.block.BlockDeviceCatalog() {
      @Override public java.util.List<String> names() { return java.util.List.of("disk"); }
      @Override public java.util.Optional<org.snipblock.block.BlockDevice> open(String name) {
        open.incrementAndGet();
        return java.util.Optional.of(new org.snipblock.block.ForwardingBlockDevice(disk) {
          private boolean closed;
          @Override public synchronized void close() {
            if (!closed) {
              closed = true;
              open.decrementAndGet();
            }
          }
        });
      }
    };
    TargetContext context = new TargetContext(IscsiTargetConfig.defaults(), catalog);
    LogicalUnit unit = context.logicalUnit(TARGET).orElseThrow();
    assertThat(context.logicalUnit(TARGET)).containsSame(unit);
    assertThat(open.get()).as("a second login shares the unit's handle").isEqualTo(1);
    context.release(unit);
    assertThat(open.get()).isEqualTo(1);
    context.release(unit);
    assertThat(open.get()).as("no login holds the unit: the volume is not connected").isZero();
    assertThat(context.logicalUnit(TARGET)).as("the unit outlives its sessions").containsSame(unit);
    assertThat(open.get()).isEqualTo(1);
    context.closeUnits();
    assertThat(open.get()).isZero();
  }
}
