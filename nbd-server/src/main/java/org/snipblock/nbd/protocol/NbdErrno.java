package org.snipblock.nbd.protocol;

import org.snipblock.block.BlockDeviceException;

/** The error values the NBD protocol allows in replies, and how device failures map onto them. */
public final class NbdErrno {
  private NbdErrno() {}

  public static final int EPERM = 1;
  public static final int EIO = 5;
  public static final int ENOMEM = 12;
  public static final int EINVAL = 22;
  public static final int ENOSPC = 28;
  public static final int EOVERFLOW = 75;
  public static final int ENOTSUP = 95;
  public static final int ESHUTDOWN = 108;

  /**
   * Maps a failed device call to an errno. A node that lost primacy or a volume being deleted
   * answers ESHUTDOWN, which makes the client disconnect (and, with qemu's reconnect, find the
   * new primary) instead of retrying a node that will never accept the write.
   */
  public static int of(Throwable failure) {
    return switch (BlockDeviceException.kindOf(failure)) {
      case OUT_OF_RANGE, INVALID -> EINVAL;
      case NO_SPACE -> ENOSPC;
      case READ_ONLY -> EPERM;
      case NOT_PRIMARY, UNAVAILABLE -> ESHUTDOWN;
      case MEDIUM_ERROR, IO_ERROR -> EIO;
    };
  }
}
