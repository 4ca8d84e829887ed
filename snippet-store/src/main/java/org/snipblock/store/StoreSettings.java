package org.snipblock.store;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.snipblock.store.VolumeAdminException.Reason;
import org.snipblock.store.journal.JournalBatch;
import org.snipblock.store.journal.JournalBatch.Space;

/**
 * Small named settings of a standalone node (its tenants, which tenant owns which volume), kept in
 * the store's metadata through the journal like every change, so they hold across restarts. The
 * node-level counterpart of the cluster's replicated records: keyed by (kind, key), text values.
 */
public final class StoreSettings {
  private static final String PREFIX = "set/";

  private final SnippetStore store;

  public StoreSettings(SnippetStore store) {
    this.store = store;
  }

  public Optional<String> get(String kind, String key) {
    return store.underAdminLock(() -> {
      try {
        byte[] v = store.db().get(Space.META, key(kind, key));
        return Optional.ofNullable(v).map(b -> new String(b, StandardCharsets.UTF_8));
      } catch (RocksDBException e) {
        throw new VolumeAdminException(Reason.INTERNAL, "reading setting " + kind + "/" + key + " failed: "
            + e.getMessage(), e);
      }
    });
  }

  public void put(String kind, String key, String value) {
    store.underAdminLock(() -> {
      store.commit(new JournalBatch().put(Space.META, key(kind, key), value.getBytes(StandardCharsets.UTF_8)));
      return null;
    });
  }

  public void delete(String kind, String key) {
    store.underAdminLock(() -> {
      store.commit(new JournalBatch().delete(Space.META, key(kind, key)));
      return null;
    });
  }

  /** Every setting of the kind, by key. */
  public Map<String, String> list(String kind) {
    return store.underAdminLock(() -> {
      byte[] from = key(kind, "");
      Map<String, String> out = new TreeMap<>();
      try (RocksIterator it = store.db().iterator(Space.META)) {
        for (it.seek(from); it.isValid() && startsWith(it.key(), from); it.next()) {
          byte[] k = it.key();
          out.put(new String(k, from.length, k.length - from.length, StandardCharsets.UTF_8),
              new String(it.value(), StandardCharsets.UTF_8));
        }
      }
      return out;
    });
  }

  private static boolean startsWith(byte[] key, byte[] prefix) {
    return key.length >= prefix.length && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
  }

  private static byte[] key(String kind, String key) {
    return (PREFIX + kind + "/" + key).getBytes(StandardCharsets.UTF_8);
  }
}
