package org.snipblock.store;

import java.nio.charset.StandardCharsets;
import org.rocksdb.RocksDBException;
import org.snipblock.store.VolumeAdminException.Reason;
import org.snipblock.store.journal.JournalBatch;
import org.snipblock.store.journal.JournalBatch.Space;
import org.snipblock.store.qos.QosLimits;
import org.snipblock.store.qos.QosSetting;

/**
 * A standalone node's volume limits and groups, kept in the store's metadata next to the catalog (through
 * the journal, like every change), so they hold across restarts. Keyed by the volume's id, so a
 * volume created again under the same name starts without limits; deleting a volume drops them.
 */
public final class VolumeQosStore {
  private static final String FORMAT = "1";
  private static final byte[] PREFIX = "qos/".getBytes(StandardCharsets.US_ASCII);

  private final SnippetStore store;

  public VolumeQosStore(SnippetStore store) {
    this.store = store;
  }

  /** The volume's setting (no limits, no group, if never set). */
  public QosSetting setting(String volume) {
    return store.underAdminLock(() -> {
      try {
        byte[] v = store.db().get(Space.META, key(store.existing(volume).id()));
        return v == null ? QosSetting.none(volume) : decode(volume, new String(v, StandardCharsets.UTF_8));
      } catch (RocksDBException e) {
        throw new VolumeAdminException(Reason.INTERNAL, "reading the limits of " + volume + " failed: " + e.getMessage(), e);
      }
    });
  }

  /** Records the volume's new setting (none at all drops the entry). */
  public void set(QosSetting setting) {
    store.underAdminLock(() -> {
      byte[] k = key(store.existing(setting.volume()).id());
      boolean nothing = setting.limits().isNone() && setting.group().isEmpty();
      store.commit(nothing ? new JournalBatch().delete(Space.META, k)
          : new JournalBatch().put(Space.META, k, encode(setting).getBytes(StandardCharsets.UTF_8)));
      return null;
    });
  }

  /** Version, group and limits: {@code 1 7 vm1 iops-total=200}. */
  private static String encode(QosSetting s) {
    return FORMAT + " " + s.version() + " " + (s.group().isEmpty() ? "-" : s.group()) + " " + s.limits().text();
  }

  private static QosSetting decode(String volume, String text) {
    String[] f = text.split(" ", 4);
    if (f.length != 4 || !f[0].equals(FORMAT)) {
      throw new VolumeAdminException(Reason.INTERNAL, "the stored limits of " + volume + " are unreadable: " + text);
    }
    return new QosSetting(volume, QosLimits.parse(f[3]), f[2].equals("-") ? "" : f[2], Long.parseLong(f[1]));
  }

  static byte[] key(long volumeId) {
    byte[] id = StoreDb.key(volumeId);
    byte[] k = new byte[PREFIX.length + id.length];
    System.arraycopy(PREFIX, 0, k, 0, PREFIX.length);
    System.arraycopy(id, 0, k, PREFIX.length, id.length);
    return k;
  }
}
