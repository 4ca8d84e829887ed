package org.snipblock.node.admin;

import io.grpc.stub.StreamObserver;
import java.util.function.Supplier;

/** How every admin call answers: the result, or the operator's message for what failed ({@link AdminService#toStatus}). */
final class AdminCalls {
  private AdminCalls() {}

  static <T> void answer(StreamObserver<T> out, String what, Supplier<T> call) {
    T result;
    try {
      result = call.get();
    } catch (RuntimeException e) {
      out.onError(AdminService.toStatus(what, e));
      return;
    }
    out.onNext(result);
    out.onCompleted();
  }
}
