package org.snipblock.node.admin;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.snipblock.store.VolumeAdminException;

/** Maps volume administration failures to gRPC status codes, keeping the operator's message. */
final class AdminErrors {
  private AdminErrors() {}

  static StatusRuntimeException toStatus(VolumeAdminException e) {
    Status status = switch (e.reason()) {
      case INVALID_ARGUMENT -> Status.INVALID_ARGUMENT;
      case ALREADY_EXISTS -> Status.ALREADY_EXISTS;
      case NOT_FOUND -> Status.NOT_FOUND;
      case NO_SPACE -> Status.RESOURCE_EXHAUSTED;
      case FAILED_PRECONDITION -> Status.FAILED_PRECONDITION;
      case CONFLICT -> Status.ABORTED;
      case INTERNAL -> Status.INTERNAL;
    };
    return status.withDescription(e.getMessage()).asRuntimeException();
  }

  static StatusRuntimeException notFound(String name) {
    return Status.NOT_FOUND.withDescription("no volume named '" + name + "'").asRuntimeException();
  }

  static StatusRuntimeException invalid(String message) {
    return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
  }
}
