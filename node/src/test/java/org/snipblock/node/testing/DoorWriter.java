package org.snipblock.node.testing;

import java.io.IOException;

/**
 * A real client of one door protocol, driven one request at a time, so a test knows exactly which
 * requests were acknowledged. Every 4 KiB block a write carries is filled with the 16-byte word
 * {@code (ID, block number)} (little-endian), so a read-back block names the write that made it.
 * Each call answers null when acknowledged, else the client's reason.
 */
public interface DoorWriter extends AutoCloseable {
  /** Drops the current connection, if any, and connects to {@code volume} through {@code door}. */
  String connect(DaemonProcess door, String volume) throws IOException;

  /** Writes {@code blocks} blocks from block {@code first}, with FUA, marked as write {@code id}. */
  String write(int first, int blocks, long id) throws IOException;

  String flush() throws IOException;

  /** Which door protocol, for the log. */
  String protocol();
}
