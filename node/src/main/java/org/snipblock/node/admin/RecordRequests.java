package org.snipblock.node.admin;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.snipblock.block.DaemonThreads;
import org.snipblock.cluster.ClusterNode;
import org.snipblock.cluster.ClusterRecords;
import org.snipblock.cluster.meta.ClusterMetadata;
import org.snipblock.node.admin.v1.DeleteRecordRequest;
import org.snipblock.node.admin.v1.DeleteRecordResponse;
import org.snipblock.node.admin.v1.GetRecordRequest;
import org.snipblock.node.admin.v1.ListRecordsRequest;
import org.snipblock.node.admin.v1.ListRecordsResponse;
import org.snipblock.node.admin.v1.PutRecordRequest;
import org.snipblock.node.admin.v1.Record;
import org.snipblock.node.admin.v1.RecordEvent;
import org.snipblock.node.admin.v1.WatchRecordsRequest;

/** The admin API's records: the cluster's replicated key-value space, as this node offers it. */
final class RecordRequests {
  /** Hands watch events to gRPC off the raft applier thread. */
  private static final ExecutorService SENDERS = Executors.newCachedThreadPool(DaemonThreads.named("record-watch"));

  /** Null on a standalone node. */
  private final ClusterNode cluster;

  RecordRequests(ClusterNode cluster) {
    this.cluster = cluster;
  }

  Record put(PutRecordRequest req) {
    return toProto(records().put(req.getKind(), req.getKey(), req.getValue(), req.getExpectedVersion()));
  }

  Record get(GetRecordRequest req) {
    return records().get(req.getKind(), req.getKey()).map(RecordRequests::toProto).orElseThrow(() ->
        Status.NOT_FOUND.withDescription("no record " + req.getKind() + "/" + req.getKey()).asRuntimeException());
  }

  ListRecordsResponse list(ListRecordsRequest req) {
    ListRecordsResponse.Builder b = ListRecordsResponse.newBuilder();
    records().list(req.getKind(), req.getKeyPrefix()).forEach(r -> b.addRecords(toProto(r)));
    return b.build();
  }

  DeleteRecordResponse delete(DeleteRecordRequest req) {
    return DeleteRecordResponse.newBuilder()
        .setRecord(toProto(records().delete(req.getKind(), req.getKey(), req.getExpectedVersion()))).build();
  }

  void watch(WatchRecordsRequest req, StreamObserver<RecordEvent> out) {
    RecordWatch watch = new RecordWatch((ServerCallStreamObserver<RecordEvent>) out, SENDERS);
    ClusterMetadata.Watch w;
    try {
      w = records().watch(req.getKind(), req.getKeyPrefix(), c -> watch.change(RecordEvent.newBuilder()
          .setType(c.deleted() ? RecordEvent.Type.DELETED : RecordEvent.Type.PUT).setRecord(toProto(c.record()))
          .build()));
    } catch (RuntimeException e) {
      out.onError(AdminService.toStatus("watch records of " + req.getKind(), e));
      return;
    }
    watch.start(w.current().stream().map(r -> RecordEvent.newBuilder().setType(RecordEvent.Type.CURRENT)
        .setRecord(toProto(r)).build()).toList(), w.cancel());
  }

  private ClusterRecords records() {
    if (cluster == null) {
      throw Status.FAILED_PRECONDITION.withDescription("records need a cluster: this node is standalone "
          + "(start it with --cluster-port PORT --join ...)").asRuntimeException();
    }
    return cluster.records();
  }

  static Record toProto(org.snipblock.cluster.proto.Record r) {
    return Record.newBuilder().setKind(r.getKind()).setKey(r.getKey()).setValue(r.getValue())
        .setVersion(r.getVersion()).build();
  }
}
