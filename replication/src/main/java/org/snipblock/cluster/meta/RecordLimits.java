package org.snipblock.cluster.meta;

import java.util.regex.Pattern;
import org.snipblock.store.VolumeAdminException;
import org.snipblock.store.VolumeAdminException.Reason;

/**
 * What a record's kind, key and value may be. The state machine checks every command against
 * these (a command from an older or broken proposer must not grow the metadata without bound);
 * the admin API checks the same before proposing, to answer without a round through the log.
 */
public final class RecordLimits {
  public static final int MAX_KIND_CHARS = 64;
  public static final int MAX_KEY_CHARS = 256;
  public static final int MAX_VALUE_BYTES = 256 * 1024;
  private static final Pattern KIND = Pattern.compile("[a-z0-9._-]{1," + MAX_KIND_CHARS + "}");

  private RecordLimits() {}

  /** Checks a kind alone (listing, watching). */
  public static void checkKind(String kind) {
    if (!KIND.matcher(kind).matches()) {
      throw new VolumeAdminException(Reason.INVALID_ARGUMENT, "record kind '" + kind + "' is not 1.."
          + MAX_KIND_CHARS + " characters of a-z, 0-9, '.', '_' and '-'");
    }
  }

  /** Checks a prefix of keys (listing, watching): as a key, but it may be empty. */
  public static void checkPrefix(String prefix) {
    if (!prefix.isEmpty()) {
      checkKey(prefix);
    }
  }

  public static void check(String kind, String key, int valueBytes) {
    checkKind(kind);
    checkKey(key);
    if (valueBytes > MAX_VALUE_BYTES) {
      throw new VolumeAdminException(Reason.INVALID_ARGUMENT, "record " + kind + "/" + key + ": value of "
          + valueBytes + " bytes is larger than the " + MAX_VALUE_BYTES / 1024 + " KiB a record may hold");
    }
  }

  private static void checkKey(String key) {
    if (key.isEmpty() || key.length() > MAX_KEY_CHARS) {
      throw new VolumeAdminException(Reason.INVALID_ARGUMENT, "record key must be 1.." + MAX_KEY_CHARS
          + " characters (it has " + key.length() + ")");
    }
    for (int i = 0; i < key.length(); i++) {
      if (Character.isISOControl(key.charAt(i))) {
        throw new VolumeAdminException(Reason.INVALID_ARGUMENT, "record key has a control character at "
            + i + " (\\u" + String.format("%04x", (int) key.charAt(i)) + ")");
      }
    }
  }
}
