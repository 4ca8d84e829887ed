package org.snipblock.store;

/** A volume administration request that cannot be carried out; the message is for the operator. */
public class VolumeAdminException extends RuntimeException {

  /** CONFLICT: a compare-and-set found another version than the caller expected. */
  public enum Reason { INVALID_ARGUMENT, ALREADY_EXISTS, NOT_FOUND, NO_SPACE, FAILED_PRECONDITION, CONFLICT, INTERNAL }

  private final Reason reason;

  public VolumeAdminException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public VolumeAdminException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
