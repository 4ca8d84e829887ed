package org.snipblock.adapter.model;

import java.util.Locale;
import org.snipblock.node.OperatorError;
import org.snipblock.node.config.ByteSize;

/** One disk of a VM's spec: its size and, for a system disk, the template it is cloned from. */
public record DiskSpec(long sizeBytes, String template) {
  /** Parses {@code SIZE} or {@code SIZE:template=NAME}, as {@code vm create --disk} takes it. */
  public static DiskSpec parse(String text) {
    String[] parts = text.split(":", 2);
    long size;
    try {
      size = ByteSize.parse(parts[0]);
    } catch (IllegalArgumentException e) {
      throw new OperatorError("bad --disk '" + text + "': " + e.getMessage());
    }
    if (size <= 0) {
      throw new OperatorError("bad --disk '" + text + "': a disk needs a size above 0");
    }
    String template = null;
    if (parts.length == 2) {
      String option = parts[1];
      if (!option.toLowerCase(Locale.ROOT).startsWith("template=") || option.length() == "template=".length()) {
        throw new OperatorError("bad --disk '" + text + "': expected SIZE or SIZE:template=NAME");
      }
      template = option.substring("template=".length());
    }
    return new DiskSpec(size, template);
  }
}
