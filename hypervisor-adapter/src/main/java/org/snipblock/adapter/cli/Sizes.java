package org.snipblock.adapter.cli;

import org.snipblock.node.OperatorError;
import org.snipblock.node.config.ByteSize;

/** Sizes given on the command line, refused in one line naming the option. */
final class Sizes {
  private Sizes() {}

  static long parse(String option, String text) {
    try {
      long size = ByteSize.parse(text);
      if (size <= 0) {
        throw new OperatorError("bad " + option + " '" + text + "': must be above 0");
      }
      return size;
    } catch (IllegalArgumentException e) {
      throw new OperatorError("bad " + option + ": " + e.getMessage());
    }
  }
}
