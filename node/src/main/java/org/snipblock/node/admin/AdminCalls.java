package org.snipblock.node.admin;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.function.Supplier;
import org.snipblock.cluster.ClusterNode;
import org.snipblock.store.VolumeAdminException;

/**
 * How every admin call answers: the result, or the operator's message for what failed ({@link AdminService#toStatus}).
 * On a cluster node, a call that finds nothing by the name it was given is asked once more after
 * this node's metadata caught up: a volume created through another node a moment ago is then
 * found here too, instead of "no volume named" from a copy a few entries behind.
 */
final class AdminCalls {
  static final Duration CATCH_UP = Duration.ofSeconds(3);

  private final ClusterNode cluster;

  /** {@code cluster} is null on a standalone node, whose metadata is never behind. */
  AdminCalls(ClusterNode cluster) {
    this.cluster = cluster;
  }

  <T> void answer(StreamObserver<T> out, String what, Supplier<T> call) {
    T result;
    try {
      result = callFresh(call);
    } catch (RuntimeException e) {
      out.onError(AdminService.toStatus(what, e));
      return;
    }
    out.onNext(result);
    out.onCompleted();
  }

  private <T> T callFresh(Supplier<T> call) {
    try {
      return call.get();
    } catch (RuntimeException e) {
      if (cluster == null || !notFound(e) || !cluster.caughtUp(CATCH_UP)) {
        throw e;
      }
      return call.get();
    }
  }

  private static boolean notFound(RuntimeException e) {
    return e instanceof VolumeAdminException v && v.reason() == VolumeAdminException.Reason.NOT_FOUND
        || e instanceof StatusRuntimeException s && s.getStatus().getCode() == Status.Code.NOT_FOUND;
  }
}
