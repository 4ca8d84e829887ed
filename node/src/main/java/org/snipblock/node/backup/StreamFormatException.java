package org.snipblock.node.backup;

import java.io.IOException;

/** A backup stream that is not one: truncated, damaged or of another format; the message says where. */
public final class StreamFormatException extends IOException {
  public StreamFormatException(String message) {
    super(message);
  }
}
