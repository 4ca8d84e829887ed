package org.snipblock.cluster.meta;

import static org.snipblock.cluster.meta.MetadataState.refuse;

import org.snipblock.cluster.proto.MarkSiteMigration;
import org.snipblock.cluster.proto.MetaCommand;
import org.snipblock.cluster.proto.MetaResult;
import org.snipblock.cluster.proto.SiteMigrationMark;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.store.VolumeAdminException.Reason;

/**
 * The handler of {@link MarkSiteMigration}: a compare-and-set of a volume's migration mark on the
 * mark's id, so that of two nodes replacing one mark (its node gone) only one begins a migration.
 */
public final class SiteMigrationMarks {
  private SiteMigrationMarks() {}

  static MetaResult apply(MetaCommand cmd, MetadataState s) {
    MarkSiteMigration m = cmd.getMarkSiteMigration();
    VolumeRecord v = s.volume(m.getName());
    String current = v.hasMigration() ? v.getMigration().getId() : "";
    if (!current.equals(m.getExpectedId())) {
      return refuse(Reason.FAILED_PRECONDITION, v.hasMigration() ? alreadyMigrating(v.getName(), v.getMigration())
          : "the migration mark of " + v.getName() + " changed meanwhile; ask again");
    }
    if (m.hasMark() && m.getMark().getId().isEmpty()) {
      return refuse(Reason.INVALID_ARGUMENT, "a migration mark of " + v.getName() + " without an id");
    }
    VolumeRecord.Builder b = v.toBuilder();
    if (m.hasMark()) {
      b.setMigration(m.getMark());
    } else {
      b.clearMigration();
    }
    return s.store(b.build());
  }

  /** The one line that refuses a second migration of a volume, whichever node is asked. */
  public static String alreadyMigrating(String volume, SiteMigrationMark mark) {
    return "volume " + volume + " is already migrating to site " + mark.getSite() + " on " + mark.getNode()
        + "; ask again once that ended";
  }
}
