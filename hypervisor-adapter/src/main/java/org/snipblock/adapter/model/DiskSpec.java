package org.snipblock.adapter.model;

import java.util.Locale;
import org.snipblock.node.OperatorError;
import org.snipblock.node.config.ByteSize;

/**
 * One disk of a VM's spec: its size and, for a system disk, the template it is cloned from, or the OS
 * asked for, for which the best-matching template is chosen before the spec is recorded.
 */
public record DiskSpec(long sizeBytes, String template, String os) {
  public DiskSpec(long sizeBytes, String template) {
    this(sizeBytes, template, null);
  }

  /** Parses {@code SIZE}, {@code SIZE:template=NAME} or {@code SIZE:os=ID}, as {@code vm create --disk} takes it. */
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
    if (parts.length == 1) {
      return new DiskSpec(size, null, null);
    }
    String option = parts[1];
    String key = option.toLowerCase(Locale.ROOT);
    for (String name : new String[] {"template=", "os="}) {
      if (key.startsWith(name) && option.length() > name.length()) {
        String value = option.substring(name.length());
        return name.equals("os=") ? new DiskSpec(size, null, value) : new DiskSpec(size, value, null);
      }
    }
    throw new OperatorError("bad --disk '" + text + "': expected SIZE, SIZE:template=NAME or SIZE:os=ID");
  }
}
