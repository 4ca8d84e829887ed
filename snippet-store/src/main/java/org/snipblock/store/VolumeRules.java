package org.snipblock.store;

import java.util.regex.Pattern;
import org.snipblock.store.VolumeAdminException.Reason;

/**
 * What makes a volume request acceptable, the one set of rules the store, the cluster, the node's
 * config and the CLI all check (so nothing the cluster accepts is refused later by a node's store).
 * Each check throws INVALID_ARGUMENT with a message that goes to the operator as it is.
 */
public final class VolumeRules {
  /** Names become part of an IQN and an NBD export name, so they are kept to a safe alphabet. */
  public static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");
  public static final long MAX_SIZE = 4L << 40;

  private VolumeRules() {}

  public static void checkName(String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new VolumeAdminException(Reason.INVALID_ARGUMENT, "invalid volume name '" + name
          + "': use 1-63 characters a-z, 0-9, '.', '_', '-', starting with a letter or digit");
    }
  }

  public static void checkSnapshotName(String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new VolumeAdminException(Reason.INVALID_ARGUMENT, "invalid snapshot name '" + name
          + "': use 1-63 characters a-z, 0-9, '.', '_', '-', starting with a letter or digit");
    }
  }

  public static void checkSize(long size) {
    if (size <= 0 || size % BlockCodec.CHUNK != 0) {
      throw new VolumeAdminException(Reason.INVALID_ARGUMENT,
          "volume size must be a positive multiple of 4096 bytes, not " + size);
    }
    if (size > MAX_SIZE) {
      throw new VolumeAdminException(Reason.INVALID_ARGUMENT,
          "volume size " + size + " exceeds the maximum of " + MAX_SIZE + " bytes (4 TiB)");
    }
  }

  /** Snippet size 0 means the store's default; anything else must be a valid snippet size. */
  public static void checkSnippetSizeOrDefault(long snippetSize) {
    if (snippetSize != 0) {
      checkSnippetSize(snippetSize);
    }
  }

  /** A whole volume request: name, size, snippet size (0 = the store's default) and block size. */
  public static void check(VolumeSpec spec) {
    checkName(spec.name());
    checkSize(spec.size());
    checkSnippetSizeOrDefault(spec.snippetSize());
    checkBlockSize(spec.blockSize());
  }

  public static void checkSnippetSize(long snippetSize) {
    if (Long.bitCount(snippetSize) != 1 || snippetSize < StoreConfig.MIN_SNIPPET_SIZE
        || snippetSize > StoreConfig.MAX_SNIPPET_SIZE) {
      throw new VolumeAdminException(Reason.INVALID_ARGUMENT, "snippet size must be a power of two from "
          + StoreConfig.MIN_SNIPPET_SIZE + " to " + StoreConfig.MAX_SNIPPET_SIZE + " bytes, not " + snippetSize);
    }
  }

  public static void checkBlockSize(int blockSize) {
    if (blockSize != 512 && blockSize != 4096) {
      throw new VolumeAdminException(Reason.INVALID_ARGUMENT, "block size must be 512 or 4096, not " + blockSize);
    }
  }
}
