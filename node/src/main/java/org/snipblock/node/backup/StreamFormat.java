package org.snipblock.node.backup;

import java.nio.charset.StandardCharsets;

/** Constants of the backup stream format (README, "Backups: export and import"). All big-endian. */
final class StreamFormat {
  private StreamFormat() {}

  static final byte[] MAGIC = "SNIPBKUP".getBytes(StandardCharsets.US_ASCII);
  static final int VERSION = 1;
  static final int FLAG_INCREMENTAL = 1;

  static final int KIND_DATA = 1;
  static final int KIND_ZERO = 2;
  static final int KIND_END = 0xFF;

  /** Largest extent: a reader never holds more than this of data at once. */
  static final int MAX_EXTENT = 4 << 20;
  /** Longest name field, in bytes (names are far shorter; this only bounds a damaged length). */
  static final int MAX_NAME = 1024;
}
