package org.snipblock.store;

import java.nio.charset.StandardCharsets;
import org.rocksdb.RocksDBException;
import org.snipblock.store.VolumeAdminException.Reason;
import org.snipblock.store.journal.JournalBatch;
import org.snipblock.store.journal.JournalBatch.Space;
import org.snipblock.store.qos.QosLimits;

/**
 * A standalone node's volume limits, kept in the store's metadata next to the catalog (through
 * the journal, like every change), so they hold across restarts. Keyed by the volume's id, so a
 * volume created again under the same name starts without limits; deleting a volume drops them.
 */
public final class VolumeQosStore {
  private static final byte[] PREFIX = "qos/".getBytes(StandardCharsets.US_ASCII);

  private final SnippetStore store;

  public VolumeQosStore(SnippetStore store) {
    this.store = store;
  }

  /** The volume's limits (none if never set). */
  public QosLimits limits(String volume) {
    return store.underAdminLock(() -> {
      try {
        byte[] v = store.db().get(Space.META, key(store.existing(volume).id()));
        return v == null ? QosLimits.none() : QosLimits.parse(new String(v, StandardCharsets.UTF_8));
      } catch (RocksDBException e) {
        throw new VolumeAdminException(Reason.INTERNAL, "reading the limits of " + volume + " failed: " + e.getMessage(), e);
      }
    });
  }

  /** Records new limits of the volume (none drops them). */
  public void set(String volume, QosLimits limits) {
    store.underAdminLock(() -> {
      byte[] k = key(store.existing(volume).id());
      store.commit(limits.isNone() ? new JournalBatch().delete(Space.META, k)
          : new JournalBatch().put(Space.META, k, limits.text().getBytes(StandardCharsets.UTF_8)));
      return null;
    });
  }

  static byte[] key(long volumeId) {
    byte[] id = StoreDb.key(volumeId);
    byte[] k = new byte[PREFIX.length + id.length];
    System.arraycopy(PREFIX, 0, k, 0, PREFIX.length);
    System.arraycopy(id, 0, k, PREFIX.length, id.length);
    return k;
  }
}
