package org.snipblock.block;

/**
 * Why a {@link BlockDevice} call failed. Frontends map the kind, not the message, to their
 * protocol: SCSI sense data for iSCSI, an errno for NBD.
 */
public class BlockDeviceException extends RuntimeException {

  public enum Kind {
    /** Offset or length outside the device (SCSI LBA OUT OF RANGE, NBD EINVAL/EOVERFLOW). */
    OUT_OF_RANGE,
    /** Misaligned or otherwise malformed request (SCSI INVALID FIELD IN CDB, NBD EINVAL). */
    INVALID,
    /** Stored data failed its checksum and no good copy could be had (SCSI MEDIUM ERROR, EIO). */
    MEDIUM_ERROR,
    /** No space left to allocate (SCSI SPACE ALLOCATION FAILED, NBD ENOSPC). */
    NO_SPACE,
    /** Device is read-only (SCSI DATA PROTECT / WRITE PROTECTED, NBD EPERM). */
    READ_ONLY,
    /** This node may not accept writes now: not the primary, or fenced by a newer epoch. */
    NOT_PRIMARY,
    /** Device closed or being deleted. */
    UNAVAILABLE,
    /** Any other I/O failure (SCSI HARDWARE ERROR, NBD EIO). */
    IO_ERROR
  }

  private final Kind kind;

  public BlockDeviceException(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  public BlockDeviceException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }

  /** Finds the kind behind a failure as it arrives from a future (unwrapping CompletionException). */
  public static Kind kindOf(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof BlockDeviceException bde) {
        return bde.kind();
      }
    }
    return Kind.IO_ERROR;
  }
}
