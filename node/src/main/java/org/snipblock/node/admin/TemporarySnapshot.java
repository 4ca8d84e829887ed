package org.snipblock.node.admin;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The name of the snapshot a live volume's export reads: dated, so one a crash left behind says when
 * it was taken, and with a random tail, so two exports in the same second do not collide.
 */
final class TemporarySnapshot {
  private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'-'HHmmss");

  private TemporarySnapshot() {}

  static String name() {
    return "export-" + STAMP.format(ZonedDateTime.now(ZoneOffset.UTC)) + "-"
        + String.format("%04x", ThreadLocalRandom.current().nextInt(1 << 16));
  }
}
