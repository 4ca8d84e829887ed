package org.snipblock.cluster.door;

import org.snipblock.block.BlockDeviceException;
import org.snipblock.block.BlockDeviceException.Kind;
import org.snipblock.cluster.proto.VolumeIoReply.Status;

/** Translates between a device's failure kinds and the status a forwarded request returns with. */
final class IoStatus {
  private IoStatus() {}

  static Status of(Throwable failure) {
    return switch (BlockDeviceException.kindOf(failure)) {
      case OUT_OF_RANGE -> Status.OUT_OF_RANGE;
      case INVALID -> Status.INVALID;
      case MEDIUM_ERROR -> Status.MEDIUM_ERROR;
      case NO_SPACE -> Status.NO_SPACE;
      case READ_ONLY -> Status.READ_ONLY;
      case NOT_PRIMARY -> Status.NOT_PRIMARY;
      case UNAVAILABLE -> Status.UNAVAILABLE;
      case IO_ERROR -> Status.IO_ERROR;
    };
  }

  /** The kind a frontend sees; a payload that failed its checksum in transit is an I/O error. */
  static Kind kind(Status status) {
    return switch (status) {
      case OUT_OF_RANGE -> Kind.OUT_OF_RANGE;
      case INVALID -> Kind.INVALID;
      case MEDIUM_ERROR -> Kind.MEDIUM_ERROR;
      case NO_SPACE -> Kind.NO_SPACE;
      case READ_ONLY -> Kind.READ_ONLY;
      case NOT_PRIMARY, UNKNOWN_VOLUME -> Kind.NOT_PRIMARY;
      case UNAVAILABLE -> Kind.UNAVAILABLE;
      case OK, IO_ERROR, BAD_CHECKSUM, UNRECOGNIZED -> Kind.IO_ERROR;
    };
  }

  /** Refusals after which the request may go to the (new) primary again. */
  static boolean followsPrimary(Status status) {
    return status == Status.NOT_PRIMARY || status == Status.UNAVAILABLE || status == Status.UNKNOWN_VOLUME;
  }
}
