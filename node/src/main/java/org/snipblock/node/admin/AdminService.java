package org.snipblock.node.admin;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import java.util.function.Supplier;
import org.snipblock.cluster.ClusterNode;
import org.snipblock.cluster.PrimaryHandover;
import org.snipblock.cluster.ClusterVolume;
import org.snipblock.cluster.RedundancyPolicy;
import org.snipblock.cluster.replica.ReplicationMode;
import org.snipblock.cluster.replica.VerifyReport;
import org.snipblock.node.admin.v1.MovePrimaryRequest;
import org.snipblock.node.admin.v1.MovePrimaryResponse;
import org.snipblock.node.admin.v1.AdminGrpc;
import org.snipblock.node.admin.v1.DeleteRecordRequest;
import org.snipblock.node.admin.v1.DeleteRecordResponse;
import org.snipblock.node.admin.v1.GetRecordRequest;
import org.snipblock.node.admin.v1.ListRecordsRequest;
import org.snipblock.node.admin.v1.ListRecordsResponse;
import org.snipblock.node.admin.v1.PutRecordRequest;
import org.snipblock.node.admin.v1.Record;
import org.snipblock.node.admin.v1.RecordEvent;
import org.snipblock.node.admin.v1.SetVolumeAccessRequest;
import org.snipblock.node.admin.v1.ShowVolumeAccessRequest;
import org.snipblock.node.admin.v1.VolumeAccess;
import org.snipblock.node.admin.v1.WatchRecordsRequest;
import org.snipblock.node.admin.v1.ClusterStatusRequest;
import org.snipblock.node.admin.v1.ClusterStatusResponse;
import org.snipblock.node.admin.v1.SetVolumeModeRequest;
import org.snipblock.node.admin.v1.CreateVolumeRequest;
import org.snipblock.node.admin.v1.DeleteVolumeRequest;
import org.snipblock.node.admin.v1.DeleteVolumeResponse;
import org.snipblock.node.admin.v1.ListVolumesRequest;
import org.snipblock.node.admin.v1.ListVolumesResponse;
import org.snipblock.node.admin.v1.NodeStatusRequest;
import org.snipblock.node.admin.v1.NodeStatusResponse;
import org.snipblock.node.admin.v1.ResizeVolumeRequest;
import org.snipblock.node.admin.v1.ShowVolumeRequest;
import org.snipblock.node.admin.v1.VerifyVolumeRequest;
import org.snipblock.node.admin.v1.VerifyVolumeResponse;
import org.snipblock.node.admin.v1.Volume;
import org.snipblock.node.admin.v1.VolumeIo;
import org.snipblock.node.admin.v1.CloneVolumeRequest;
import org.snipblock.node.admin.v1.DeleteSnapshotRequest;
import org.snipblock.node.admin.v1.DeleteSnapshotResponse;
import org.snipblock.node.admin.v1.DiffVolumeRequest;
import org.snipblock.node.admin.v1.DiffVolumeResponse;
import org.snipblock.node.admin.v1.ExportChunk;
import org.snipblock.node.admin.v1.ExportVolumeRequest;
import org.snipblock.node.admin.v1.FlattenVolumeRequest;
import org.snipblock.node.admin.v1.ImportChunk;
import org.snipblock.node.admin.v1.ImportVolumeResponse;
import org.snipblock.node.admin.v1.ListSnapshotsRequest;
import org.snipblock.node.admin.v1.RollbackVolumeRequest;
import org.snipblock.node.admin.v1.SetVolumeReadOnlyRequest;
import org.snipblock.node.admin.v1.SnapshotList;
import org.snipblock.node.admin.v1.SnapshotVolumesRequest;
import org.snipblock.store.SnapshotManager;
import org.snipblock.store.VolumeAdminException;
import org.snipblock.store.VolumeInfo;
import org.snipblock.store.VolumeManager;
import org.snipblock.store.VolumeSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin API: volume administration straight onto a {@link VolumeManager}, and node status. On
 * a cluster member the manager is the cluster's, and the cluster answers what only it knows
 * (redundancy, primary, epoch, lag, placement, the other nodes).
 */
public final class AdminService extends AdminGrpc.AdminImplBase {
  private static final Logger log = LoggerFactory.getLogger(AdminService.class);

  private final VolumeManager volumes;
  /** Null on a standalone node. */
  private final ClusterNode cluster;
  /** Redundancy of volumes created without their own; null on a standalone node. */
  private final RedundancyPolicy volumeDefaults;
  private final Function<String, VolumeIo> io;
  private final Supplier<NodeStatusResponse> status;
  private final SnapshotRequests snapshots;
  private final BackupRequests backups;
  private final RecordRequests records;
  private final AccessRequests access;
  private final AdminCalls calls;

  /**
   * @param io     the I/O served for a volume so far, by name
   * @param status the node's status as of now
   */
  public AdminService(VolumeManager volumes, Function<String, VolumeIo> io, Supplier<NodeStatusResponse> status) {
    this(volumes, null, null, io, status);
  }

  /**
   * @param cluster        the cluster this node is a member of ({@code volumes} is its manager), or null
   * @param volumeDefaults the configured redundancy of volumes created without their own (cluster only)
   */
  public AdminService(VolumeManager volumes, ClusterNode cluster, RedundancyPolicy volumeDefaults,
      Function<String, VolumeIo> io, Supplier<NodeStatusResponse> status) {
    this.volumes = volumes;
    this.cluster = cluster;
    this.volumeDefaults = volumeDefaults;
    this.io = io;
    this.status = status;
    this.snapshots = new SnapshotRequests(cluster == null && volumes instanceof SnapshotManager m ? m : null, cluster);
    this.backups = new BackupRequests(volumes, snapshots);
    this.records = new RecordRequests(cluster);
    this.access = new AccessRequests(cluster);
    this.calls = new AdminCalls(cluster);
  }

  @Override
  public void createVolume(CreateVolumeRequest req, StreamObserver<Volume> out) {
    calls.answer(out, "create volume " + req.getName(), () -> {
      if (req.getSizeBytes() <= 0 || req.getSizeBytes() > Long.MAX_VALUE) {
        throw AdminErrors.invalid("volume size must be positive");
      }
      int blockSize = req.getBlockSize() == 0 ? 512 : req.getBlockSize();
      VolumeSpec spec = new VolumeSpec(req.getName(), req.getSizeBytes(), req.getSnippetSize(), blockSize,
          req.getCompression(), req.getReadOnly());
      VolumeInfo info;
      if (cluster != null) {
        info = cluster.volumes().create(spec, Redundancy.of(req, volumeDefaults));
      } else {
        Redundancy.checkStandalone(req);
        info = volumes.create(spec);
      }
      log.info("created volume {} ({} bytes)", info.name(), info.provisionedBytes());
      return toProto(info);
    });
  }

  @Override
  public void listVolumes(ListVolumesRequest req, StreamObserver<ListVolumesResponse> out) {
    calls.answer(out, "list volumes", () -> {
      ListVolumesResponse.Builder b = ListVolumesResponse.newBuilder();
      volumes.list().forEach(v -> b.addVolumes(toProto(v)));
      return b.build();
    });
  }

  @Override
  public void showVolume(ShowVolumeRequest req, StreamObserver<Volume> out) {
    calls.answer(out, "show volume " + req.getName(), () ->
        volumes.show(req.getName()).map(this::toProto).orElseThrow(() -> AdminErrors.notFound(req.getName())));
  }

  @Override
  public void resizeVolume(ResizeVolumeRequest req, StreamObserver<Volume> out) {
    calls.answer(out, "resize volume " + req.getName(), () -> {
      if (req.getNewSizeBytes() <= 0 || req.getNewSizeBytes() > Long.MAX_VALUE) {
        throw AdminErrors.invalid("volume size must be positive");
      }
      VolumeInfo info = volumes.resize(req.getName(), req.getNewSizeBytes());
      log.info("resized volume {} to {} bytes", info.name(), info.provisionedBytes());
      return toProto(info);
    });
  }

  @Override
  public void deleteVolume(DeleteVolumeRequest req, StreamObserver<DeleteVolumeResponse> out) {
    calls.answer(out, "delete volume " + req.getName(), () -> {
      volumes.delete(req.getName());
      log.info("deleted volume {}", req.getName());
      return DeleteVolumeResponse.getDefaultInstance();
    });
  }

  @Override
  public void setVolumeMode(SetVolumeModeRequest req, StreamObserver<Volume> out) {
    calls.answer(out, "set mode of volume " + req.getName(), () -> {
      ClusterNode c = clusterOnly("replication modes");
      ClusterVolume v = c.volumes().describe(req.getName()).orElseThrow(() -> AdminErrors.notFound(req.getName()));
      if (req.getSnippetsCount() == 0) {
        ReplicationMode mode = Redundancy.mode(req.getMode());
        c.volumes().setMode(req.getName(), mode);
        log.info("volume {} now replicates {}", req.getName(), mode.label());
      } else {
        boolean follow = req.getMode().equals("volume");
        ReplicationMode mode = follow ? null : Redundancy.mode(req.getMode());
        List<Long> snippets = SnippetSelection.indexes(req.getSnippetsList(), v.snippetReplicas().size(), v.name());
        c.volumes().setMode(req.getName(), mode, snippets);
        log.info("snippets {} of volume {} now replicate {}", snippets, req.getName(),
            follow ? "as the volume does" : mode.label());
      }
      return volumes.show(req.getName()).map(this::toProto).orElseThrow(() -> AdminErrors.notFound(req.getName()));
    });
  }

  @Override
  public void movePrimary(MovePrimaryRequest req, StreamObserver<MovePrimaryResponse> out) {
    calls.answer(out, "move primary of volume " + req.getName(), () -> HandoverMessages.of(
        new PrimaryHandover(clusterOnly("move-primary")).move(req.getName(), req.getTo())));
  }

  @Override
  public void clusterStatus(ClusterStatusRequest req, StreamObserver<ClusterStatusResponse> out) {
    calls.answer(out, "cluster status", () -> ClusterStatusMessages.of(clusterOnly("cluster status")));
  }

  @Override
  public void verifyVolume(VerifyVolumeRequest req, StreamObserver<VerifyVolumeResponse> out) {
    String what = (req.getRepair() ? "scrub" : "verify") + " volume " + req.getName();
    CompletableFuture<VerifyReport> report;
    try {
      ClusterNode c = clusterOnly("verify");
      report = req.getRepair() ? c.scrub(req.getName()) : c.verify(req.getName());
    } catch (RuntimeException e) {
      out.onError(toStatus(what, e));
      return;
    }
    // Comparing every copy takes a while: answered when done, holding no thread meanwhile.
    report.whenComplete((r, failure) -> {
      if (failure != null) {
        out.onError(toStatus(what, failure instanceof CompletionException && failure.getCause() != null
            ? failure.getCause() : failure));
      } else {
        if (!r.clean()) {
          log.warn("{}: copies differ from the primary's: {}", what, r);
        }
        out.onNext(ClusterStatusMessages.verify(r));
        out.onCompleted();
      }
    });
  }

  @Override
  public void snapshotVolumes(SnapshotVolumesRequest req, StreamObserver<SnapshotList> out) {
    calls.answer(out, "snapshot " + req.getVolumesList() + "@" + req.getSnapshot(), () -> snapshots.take(req));
  }

  @Override
  public void listSnapshots(ListSnapshotsRequest req, StreamObserver<SnapshotList> out) {
    calls.answer(out, "list snapshots of " + req.getVolume(), () -> snapshots.list(req.getVolume()));
  }

  @Override
  public void deleteSnapshot(DeleteSnapshotRequest req, StreamObserver<DeleteSnapshotResponse> out) {
    calls.answer(out, "delete snapshot " + req.getVolume() + "@" + req.getSnapshot(), () -> {
      snapshots.delete(req.getVolume(), req.getSnapshot());
      return DeleteSnapshotResponse.getDefaultInstance();
    });
  }

  @Override
  public void rollbackVolume(RollbackVolumeRequest req, StreamObserver<Volume> out) {
    calls.answer(out, "roll " + req.getVolume() + " back to " + req.getSnapshot(), () -> toProto(snapshots.rollback(req)));
  }

  @Override
  public void cloneVolume(CloneVolumeRequest req, StreamObserver<Volume> out) {
    calls.answer(out, "clone " + req.getVolume() + "@" + req.getSnapshot() + " as " + req.getName(),
        () -> toProto(snapshots.cloneOf(req)));
  }

  @Override
  public void setVolumeReadOnly(SetVolumeReadOnlyRequest req, StreamObserver<Volume> out) {
    calls.answer(out, "set read-only of " + req.getName(),
        () -> toProto(snapshots.readOnly(req.getName(), req.getReadOnly())));
  }

  @Override
  public void flattenVolume(FlattenVolumeRequest req, StreamObserver<Volume> out) {
    calls.answer(out, "flatten " + req.getName(), () -> {
      snapshots.flatten(req.getName());
      return volumes.show(req.getName()).map(this::toProto).orElseThrow(() -> AdminErrors.notFound(req.getName()));
    });
  }

  @Override
  public void diffVolume(DiffVolumeRequest req, StreamObserver<DiffVolumeResponse> out) {
    calls.answer(out, "diff " + req.getVolume(), () -> snapshots.diff(req));
  }

  @Override
  public void exportVolume(ExportVolumeRequest req, StreamObserver<ExportChunk> out) {
    backups.export(req, out);
  }

  @Override
  public StreamObserver<ImportChunk> importVolume(StreamObserver<ImportVolumeResponse> out) {
    return backups.importVolume(out);
  }

  @Override
  public void putRecord(PutRecordRequest req, StreamObserver<Record> out) {
    calls.answer(out, "put record " + req.getKind() + "/" + req.getKey(), () -> records.put(req));
  }

  @Override
  public void getRecord(GetRecordRequest req, StreamObserver<Record> out) {
    calls.answer(out, "get record " + req.getKind() + "/" + req.getKey(), () -> records.get(req));
  }

  @Override
  public void listRecords(ListRecordsRequest req, StreamObserver<ListRecordsResponse> out) {
    calls.answer(out, "list records of " + req.getKind(), () -> records.list(req));
  }

  @Override
  public void deleteRecord(DeleteRecordRequest req, StreamObserver<DeleteRecordResponse> out) {
    calls.answer(out, "delete record " + req.getKind() + "/" + req.getKey(), () -> records.delete(req));
  }

  @Override
  public void watchRecords(WatchRecordsRequest req, StreamObserver<RecordEvent> out) {
    records.watch(req, out);
  }

  @Override
  public void setVolumeAccess(SetVolumeAccessRequest req, StreamObserver<VolumeAccess> out) {
    calls.answer(out, "set access of volume " + req.getVolume(), () -> access.set(req));
  }

  @Override
  public void showVolumeAccess(ShowVolumeAccessRequest req, StreamObserver<VolumeAccess> out) {
    calls.answer(out, "show access of volume " + req.getVolume(), () -> access.show(req));
  }

  private ClusterNode clusterOnly(String what) {
    if (cluster == null) {
      throw Status.FAILED_PRECONDITION.withDescription(what + ": this node is standalone, not in a cluster "
          + "(start it with --cluster-port PORT --join ...)").asRuntimeException();
    }
    return cluster;
  }

  @Override
  public void nodeStatus(NodeStatusRequest req, StreamObserver<NodeStatusResponse> out) {
    calls.answer(out, "node status", status);
  }

  private Volume toPlainProto(VolumeInfo v) {
    Volume.Builder b = Volume.newBuilder()
        .setId(v.id())
        .setName(v.name())
        .setProvisionedBytes(v.provisionedBytes())
        .setUsedBytes(v.usedBytes())
        .setStoredBytes(v.storedBytes())
        .setSnippetSize(v.snippetSize())
        .setBlockSize(v.blockSize())
        .setCompression(v.compression())
        .setSnippets(v.snippets())
        .setChecksumErrors(v.checksumErrors())
        .setCreatedEpochMillis(v.created() == null ? 0 : v.created().toEpochMilli())
        .setIo(io.apply(v.name()));
    return snapshots.describe(b, v).build();
  }

  private Volume toProto(VolumeInfo v) {
    Volume plain = toPlainProto(v);
    if (cluster == null) {
      return plain;
    }
    return cluster.volumes().describe(v.name())
        .map(d -> plain.toBuilder().setReplication(ClusterStatusMessages.replication(d, cluster).toBuilder()
            .addAllSnippetModes(cluster.volumes().snippetModes(v.name()).stream().map(ReplicationMode::label).toList()))
            .build())
        .orElse(plain);
  }


  /** The operator's message for a failed call; internal failures are logged here, once. */
  static io.grpc.StatusRuntimeException toStatus(String what, Throwable e) {
    if (e instanceof VolumeAdminException v) {
      if (v.reason() == VolumeAdminException.Reason.INTERNAL) {
        log.error("{} failed", what, e);
      }
      return AdminErrors.toStatus(v);
    }
    if (e instanceof io.grpc.StatusRuntimeException s) {
      return s;
    }
    if (e instanceof org.snipblock.block.BlockDeviceException b) {
      // A replicated operation that could not complete (not the primary any more, no quorum in time).
      return Status.UNAVAILABLE.withDescription(what + ": " + b.getMessage()).asRuntimeException();
    }
    if (e instanceof IllegalArgumentException) {
      // The cluster's value types (policy, mode, spread) refuse bad values this way.
      return AdminErrors.invalid(e.getMessage());
    }
    log.error("{} failed", what, e);
    return Status.INTERNAL.withDescription(what + " failed: " + e).asRuntimeException();
  }
}
