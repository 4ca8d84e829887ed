package org.snipblock.cluster;

import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * One asynchronous "has this node applied it yet?" call to another node (the Access and ScsiStates
 * services' Applied): true or false from its answer, exceptionally if the call failed.
 */
final class AppliedCall {
  private AppliedCall() {}

  /**
   * @param call    starts the call with the observer it is given
   * @param applied reads the answer
   */
  static <R> CompletableFuture<Boolean> ask(Consumer<StreamObserver<R>> call, Predicate<R> applied) {
    CompletableFuture<Boolean> out = new CompletableFuture<>();
    call.accept(new StreamObserver<>() {
      @Override
      public void onNext(R reply) {
        out.complete(applied.test(reply));
      }

      @Override
      public void onError(Throwable t) {
        out.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {
        out.complete(false); // no answer: not confirmed
      }
    });
    return out;
  }
}
