package org.snipblock.nbd.handshake;

import org.snipblock.block.BlockDevice;
import org.snipblock.nbd.ExportPolicy;

/**
 * The outcome of looking up an export for a client: the opened device and its policy, or the
 * option error to send.
 */
record ExportResolution(BlockDevice device, ExportPolicy policy, int errorType, String message) {
  static ExportResolution found(BlockDevice device, ExportPolicy policy) {
    return new ExportResolution(device, policy, 0, null);
  }

  static ExportResolution refused(int errorType, String message) {
    return new ExportResolution(null, null, errorType, message);
  }

  boolean ok() {
    return device != null;
  }

  boolean readOnly() {
    return policy.readOnly() || device.readOnly();
  }
}
