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
}
