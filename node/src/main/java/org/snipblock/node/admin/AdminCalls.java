package org.snipblock.node.admin;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.snipblock.cluster.ClusterNode;
import org.snipblock.store.VolumeAdminException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How every admin call answers: the result, or the operator's message for what failed ({@link AdminService#toStatus}).
 * On a cluster node, a call that finds nothing by the name it was given is asked once more after
 * this node's metadata caught up: a volume created through another node a moment ago is then
 * found here too, instead of "no volume named" from a copy a few entries behind.
 */
final class AdminCalls {
  private static final Logger log = LoggerFactory.getLogger(AdminCalls.class);
  private static final Duration CATCH_UP = Duration.ofSeconds(3);

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
      if (cluster == null || !notFound(e) || !caughtUp()) {
        throw e;
      }
      return call.get();
    }
  }

  private boolean caughtUp() {
    try {
      cluster.catchUp(CATCH_UP).get(CATCH_UP.toMillis() + 500, TimeUnit.MILLISECONDS);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (ExecutionException | TimeoutException e) {
      log.debug("metadata not caught up within {}: {}", CATCH_UP, e.toString());
      return false;
    }
  }

  private static boolean notFound(RuntimeException e) {
    return e instanceof VolumeAdminException v && v.reason() == VolumeAdminException.Reason.NOT_FOUND
        || e instanceof StatusRuntimeException s && s.getStatus().getCode() == Status.Code.NOT_FOUND;
  }
}
