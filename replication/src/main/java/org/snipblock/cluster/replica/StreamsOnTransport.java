package org.snipblock.cluster.replica;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import java.util.concurrent.Executor;
import org.snipblock.cluster.proto.ReplicationGrpc;

/**
 * Runs the replication stream's callbacks on the transport's own thread instead of gRPC's default
 * executor: a sync write's op and ack each skip a thread hand-off at the replica. Safe because
 * {@link ReplicaService#replicate} never blocks: it checks a CRC32C, counts the op as client load
 * and queues it (opening the local copy and applying happen on the store's and reconciler's
 * threads). Other calls keep the default executor, as they may wait on disk or the metadata.
 */
public final class StreamsOnTransport implements ServerCallExecutorSupplier {
  @Override
  public <Q, R> Executor getExecutor(ServerCall<Q, R> call, Metadata headers) {
    return call.getMethodDescriptor().equals(ReplicationGrpc.getReplicateMethod()) ? Runnable::run : null;
  }
}
