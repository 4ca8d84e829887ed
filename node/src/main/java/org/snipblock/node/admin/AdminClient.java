package org.snipblock.node.admin;

import java.io.IOException;
import java.io.InputStream;
import java.util.Iterator;
import java.util.function.LongConsumer;
import org.snipblock.node.admin.v1.MovePrimaryRequest;
import org.snipblock.node.admin.v1.MovePrimaryResponse;
import org.snipblock.node.admin.v1.CatchUpVolumeRequest;
import org.snipblock.node.admin.v1.SetVolumeConsumerRequest;
import org.snipblock.node.admin.v1.SetVolumeModeAutoRequest;
import org.snipblock.node.admin.v1.SitesGrpc;
import org.snipblock.node.admin.v1.MigrateVolumeRequest;
import org.snipblock.node.admin.v1.MigrateVolumeResponse;
import org.snipblock.node.admin.v1.ExportChunk;
import org.snipblock.node.admin.v1.ExportVolumeRequest;
import org.snipblock.node.admin.v1.ImportVolumeResponse;

import com.google.protobuf.ByteString;
import io.grpc.Context;
import io.grpc.Grpc;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.Optional;
import org.snipblock.node.admin.v1.DeleteRecordRequest;
import org.snipblock.node.admin.v1.GetRecordRequest;
import org.snipblock.node.admin.v1.ListRecordsRequest;
import org.snipblock.node.admin.v1.PutRecordRequest;
import org.snipblock.node.admin.v1.Record;
import org.snipblock.node.admin.v1.RecordEvent;
import org.snipblock.node.admin.v1.SetVolumeAccessRequest;
import org.snipblock.node.admin.v1.ShowVolumeAccessRequest;
import org.snipblock.node.admin.v1.VolumeAccess;
import org.snipblock.node.admin.v1.WatchRecordsRequest;
import io.grpc.ManagedChannel;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.snipblock.node.admin.v1.AdminGrpc;
import org.snipblock.node.admin.v1.Snapshot;
import org.snipblock.node.admin.v1.SnapshotVolumesRequest;
import org.snipblock.node.admin.v1.ListSnapshotsRequest;
import org.snipblock.node.admin.v1.DeleteSnapshotRequest;
import org.snipblock.node.admin.v1.RollbackVolumeRequest;
import org.snipblock.node.admin.v1.CloneVolumeRequest;
import org.snipblock.node.admin.v1.SetVolumeReadOnlyRequest;
import org.snipblock.node.admin.v1.QosGrpc;
import org.snipblock.node.admin.v1.RedundancyGrpc;
import org.snipblock.node.admin.v1.SetRedundancyRequest;
import org.snipblock.node.admin.v1.SetVolumeQosRequest;
import org.snipblock.node.admin.v1.ShowVolumeQosRequest;
import org.snipblock.node.admin.v1.VolumeQos;
import org.snipblock.node.admin.v1.DiffVolumeResponse;
import org.snipblock.node.admin.v1.DiffVolumeRequest;
import org.snipblock.node.admin.v1.FlattenVolumeRequest;
import org.snipblock.node.admin.v1.ClusterAdminGrpc;
import org.snipblock.node.admin.v1.ClusterStatusRequest;
import org.snipblock.node.admin.v1.ClusterStatusResponse;
import org.snipblock.node.admin.v1.SetVolumeModeRequest;
import org.snipblock.node.admin.v1.CreateVolumeRequest;
import org.snipblock.node.admin.v1.DeleteVolumeRequest;
import org.snipblock.node.admin.v1.ListVolumesRequest;
import org.snipblock.node.admin.v1.NodeStatusRequest;
import org.snipblock.node.admin.v1.NodeStatusResponse;
import org.snipblock.node.admin.v1.ResizeVolumeRequest;
import org.snipblock.node.admin.v1.ShowVolumeRequest;
import org.snipblock.node.admin.v1.SnippetRange;
import org.snipblock.node.admin.v1.VerifyVolumeRequest;
import org.snipblock.node.admin.v1.VerifyVolumeResponse;
import org.snipblock.node.admin.v1.Volume;

/**
 * A connection to a node's admin API. Failures arrive as {@link io.grpc.StatusRuntimeException}
 * whose description is the node's message for the operator.
 */
public final class AdminClient implements AutoCloseable {
  private static final long DEADLINE_SECONDS = 60;
  /**
   * Calls that the server bounds itself (a migration's copying, a verify of every copy) carry no
   * deadline: their length grows with the volume and the link, and a fixed one cut a 256 MiB
   * migration across an 8 MB/s link after 60 s while the server went on. Pings end such a call
   * when the server vanishes or stops answering instead.
   */
  static final long PING_SECONDS = 20;
  private static final long PING_TIMEOUT_SECONDS = 10;

  private final String target;
  private final ManagedChannel channel;
  private final AdminGrpc.AdminBlockingStub stub;
  private final QosGrpc.QosBlockingStub qos;
  private final ClusterAdminGrpc.ClusterAdminBlockingStub clusterStub;

  /** @param target host:port of the admin API */
  public AdminClient(String target) {
    this(target, null);
  }

  /** @param token sent with every call (the node's admin.auth tokens); null or empty: none */
  public AdminClient(String target, String token) {
    this(target, token, null);
  }

  /** @param tls how to speak TLS to a node with admin.tls; null: plaintext */
  public AdminClient(String target, String token, ClientTls tls) {
    this.target = target;
    this.channel = Grpc.newChannelBuilder(target, AdminToken.credentials(tls))
        .intercept(AdminToken.sending(token)).keepAliveTime(PING_SECONDS, TimeUnit.SECONDS)
        .keepAliveTimeout(PING_TIMEOUT_SECONDS, TimeUnit.SECONDS).build();
    this.stub = AdminGrpc.newBlockingStub(channel);
    this.qos = QosGrpc.newBlockingStub(channel);
    this.clusterStub = ClusterAdminGrpc.newBlockingStub(channel);
  }

  /** The tenant calls, with the usual deadline. */
  public org.snipblock.node.admin.v1.TenantsGrpc.TenantsBlockingStub tenants() {
    return org.snipblock.node.admin.v1.TenantsGrpc.newBlockingStub(channel)
        .withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
  }

  /** The metering calls, with the usual deadline. */
  public org.snipblock.node.admin.v1.UsageGrpc.UsageBlockingStub usage() {
    return org.snipblock.node.admin.v1.UsageGrpc.newBlockingStub(channel).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
  }

  public String target() {
    return target;
  }

  private AdminGrpc.AdminBlockingStub call() {
    return stub.withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
  }

  public Volume create(String name, long size, int snippetSize, int blockSize, boolean compression) {
    return call().createVolume(CreateVolumeRequest.newBuilder().setName(name).setSizeBytes(size)
        .setSnippetSize(snippetSize).setBlockSize(blockSize).setCompression(compression).build());
  }

  /** Creates a volume with its redundancy; 0 / null take the cluster's defaults. */
  public Volume create(CreateVolumeRequest request) {
    return call().createVolume(request);
  }

  /** Sets a volume's I/O limits (QEMU's vocabulary; "none" lifts them). */
  public VolumeQos setQos(String name, String limits) {
    return setQos(name, limits, null);
  }

  /** @param limits null keeps them; @param group null keeps the volume's group, "" or "none" leaves it */
  public VolumeQos setQos(String name, String limits, String group) {
    SetVolumeQosRequest.Builder b = SetVolumeQosRequest.newBuilder().setName(name).setQos(limits == null ? "" : limits);
    if (group != null) {
      b.setSetGroup(true).setGroup(group);
    }
    return qos.withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS).setVolumeQos(b.build());
  }

  /**
   * Changes a live volume's copies, min-copies, spread and sites (0 / "" keep them); answers once the new
   * copies are in sync and the old ones dropped, so the deadline is the change's own timeout.
   */
  public String setRedundancy(String name, int copies, int minCopies, String spread, String sites,
      int timeoutSeconds) {
    return RedundancyGrpc.newBlockingStub(channel).withDeadlineAfter(timeoutSeconds + DEADLINE_SECONDS, TimeUnit.SECONDS)
        .setRedundancy(SetRedundancyRequest.newBuilder().setName(name).setCopies(copies).setMinCopies(minCopies)
            .setSpread(spread).setSites(sites).setTimeoutSeconds(timeoutSeconds).build()).getSummary();
  }

  /** A volume's I/O limits, and its throttle's state when the answering node runs it. */
  public VolumeQos showQos(String name) {
    return qos.withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS).showVolumeQos(
        ShowVolumeQosRequest.newBuilder().setName(name).build());
  }

  public Volume setMode(String name, String mode) {
    return setMode(name, mode, List.of());
  }

  /** @param snippets only these snippets (their mode may then also be "volume": no override); none = all */
  public Volume setMode(String name, String mode, List<SnippetRange> snippets) {
    return call().setVolumeMode(SetVolumeModeRequest.newBuilder().setName(name).setMode(mode)
        .addAllSnippets(snippets).build());
  }

  /** Hands a clustered volume's primary role to node {@code to}; ask its primary. */
  public MovePrimaryResponse movePrimary(String name, String to) {
    return call().movePrimary(MovePrimaryRequest.newBuilder().setName(name).setTo(to).build());
  }

  /** Hands a clustered volume's primary role to its in-sync copy nearest its consumer; ask its primary. */
  public MovePrimaryResponse movePrimaryToConsumer(String name) {
    return sites().movePrimaryToConsumer(MovePrimaryRequest.newBuilder().setName(name).build());
  }

  /** Records where a clustered volume is consumed (SITE[/COMPARTMENT[/RACK[/HOST]]]; "" forgets it). */
  public void setConsumer(String name, String consumer) {
    sites().setVolumeConsumer(SetVolumeConsumerRequest.newBuilder().setName(name).setConsumer(consumer).build());
  }

  /** Puts a clustered volume's mode under its primary's automatic control. */
  public void setModeAuto(String name) {
    sites().setVolumeModeAuto(SetVolumeModeAutoRequest.newBuilder().setName(name).build());
  }

  /** Starts ({@code start}) or stops a clustered volume's catch-up under ballooning. */
  public void catchUp(String name, boolean start) {
    sites().catchUpVolume(CatchUpVolumeRequest.newBuilder().setName(name).setStart(start).build());
  }

  /** Migrates a clustered volume into a site where it has a copy of every snippet; ask its primary. */
  public MigrateVolumeResponse migrate(String name, String toSite, int catchUpSeconds) {
    return SitesGrpc.newBlockingStub(channel).migrateVolume(MigrateVolumeRequest.newBuilder().setName(name).setToSite(toSite)
            .setCatchUpSeconds(catchUpSeconds).build());
  }

  private SitesGrpc.SitesBlockingStub sites() {
    return SitesGrpc.newBlockingStub(channel).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
  }

  /** Compares (with {@code repair}, also repairs) every copy of a clustered volume; ask its primary. */
  public VerifyVolumeResponse verify(String name, boolean repair) {
    return stub.verifyVolume(VerifyVolumeRequest.newBuilder().setName(name).setRepair(repair).build());
  }

  /** A clustered volume's CHAP: {@code IscsiChap} on the same connection. */
  public org.snipblock.node.admin.v1.IscsiChapGrpc.IscsiChapBlockingStub chap() {
    return org.snipblock.node.admin.v1.IscsiChapGrpc.newBlockingStub(channel)
        .withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
  }

  /** The elastic cluster's calls (drain, remove, simulate): {@code ClusterAdmin} on the same connection. */
  /** TESTS ONLY: a node's link faults ({@code LinkFaults} on the same connection). */
  public org.snipblock.node.admin.v1.LinkFaultsGrpc.LinkFaultsBlockingStub linkFaults() {
    return org.snipblock.node.admin.v1.LinkFaultsGrpc.newBlockingStub(channel)
        .withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
  }

  public ClusterAdminGrpc.ClusterAdminBlockingStub cluster() {
    return clusterStub.withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
  }

  public ClusterStatusResponse clusterStatus() {
    return call().clusterStatus(ClusterStatusRequest.getDefaultInstance());
  }

  public List<Volume> list() {
    return call().listVolumes(ListVolumesRequest.getDefaultInstance()).getVolumesList();
  }

  public Volume show(String name) {
    return call().showVolume(ShowVolumeRequest.newBuilder().setName(name).build());
  }

  public Volume resize(String name, long newSize) {
    return call().resizeVolume(ResizeVolumeRequest.newBuilder().setName(name).setNewSizeBytes(newSize).build());
  }

  public void delete(String name) {
    call().deleteVolume(DeleteVolumeRequest.newBuilder().setName(name).build());
  }

  public List<Snapshot> snapshot(List<String> volumes, String snapshot) {
    return call().snapshotVolumes(SnapshotVolumesRequest.newBuilder()
        .addAllVolumes(volumes).setSnapshot(snapshot).build()).getSnapshotsList();
  }

  public List<Snapshot> snapshots(String volume) {
    return call().listSnapshots(ListSnapshotsRequest.newBuilder()
        .setVolume(volume).build()).getSnapshotsList();
  }

  public void deleteSnapshot(String volume, String snapshot) {
    call().deleteSnapshot(DeleteSnapshotRequest.newBuilder()
        .setVolume(volume).setSnapshot(snapshot).build());
  }

  public Volume rollback(String volume, String snapshot, boolean force) {
    return call().rollbackVolume(RollbackVolumeRequest.newBuilder()
        .setVolume(volume).setSnapshot(snapshot).setForce(force).build());
  }

  /** @param size 0 for the parent's size */
  public Volume cloneVolume(String volume, String snapshot, String name, long size) {
    return call().cloneVolume(CloneVolumeRequest.newBuilder()
        .setVolume(volume).setSnapshot(snapshot).setName(name).setSizeBytes(size).build());
  }

  public Volume setReadOnly(String name, boolean readOnly) {
    return call().setVolumeReadOnly(SetVolumeReadOnlyRequest.newBuilder()
        .setName(name).setReadOnly(readOnly).build());
  }

  /** Starts flattening a clone; progress in {@link Volume#getFlatten()}. */
  public Volume flatten(String name) {
    return call().flattenVolume(FlattenVolumeRequest.newBuilder().setName(name).build());
  }

  /** @param to null for the volume's content now */
  public DiffVolumeResponse diff(String volume, String from, String to) {
    return call().diffVolume(DiffVolumeRequest.newBuilder()
        .setVolume(volume).setFromSnapshot(from).setToSnapshot(to == null ? "" : to).build());
  }

  /**
   * The chunks of a backup stream of {@code volume@snapshot}, in order, as the node produces them.
   *
   * @param since null for a full stream
   */
  public Iterator<ExportChunk> export(String volume, String snapshot, String since) {
    return AdminGrpc.newBlockingStub(channel).exportVolume(ExportVolumeRequest.newBuilder().setVolume(volume)
        .setSnapshot(snapshot).setSinceSnapshot(since == null ? "" : since).build());
  }

  /**
   * Sends a backup stream to be imported into {@code volume}, at the pace the node reads it, and
   * waits for the node's answer.
   *
   * @param sent called with the bytes sent so far
   */
  public ImportVolumeResponse importVolume(String volume, InputStream stream, LongConsumer sent) throws IOException {
    return new ImportCall(AdminGrpc.newStub(channel)).run(volume, stream, sent);
  }

  // ---- records (a cluster's replicated key-value space; FAILED_PRECONDITION on a standalone node) ----

  /**
   * Compare-and-set: {@code expectedVersion} 0 creates (ALREADY_EXISTS if present), else the record
   * must be at that version (ABORTED if it moved on, NOT_FOUND if gone). Returns the stored record.
   */
  public Record putRecord(String kind, String key, byte[] value, long expectedVersion) {
    return call().putRecord(PutRecordRequest.newBuilder().setKind(kind).setKey(key)
        .setValue(ByteString.copyFrom(value)).setExpectedVersion(expectedVersion).build());
  }

  /** The record, or empty if there is none. */
  public Optional<Record> getRecord(String kind, String key) {
    try {
      return Optional.of(call().getRecord(GetRecordRequest.newBuilder().setKind(kind).setKey(key).build()));
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        return Optional.empty();
      }
      throw e;
    }
  }

  /** @param keyPrefix "" for every record of the kind */
  public List<Record> listRecords(String kind, String keyPrefix) {
    return call().listRecords(ListRecordsRequest.newBuilder().setKind(kind).setKeyPrefix(keyPrefix).build())
        .getRecordsList();
  }

  /** @param expectedVersion 0 for whatever version; returns the record as it was */
  public Record deleteRecord(String kind, String key, long expectedVersion) {
    return call().deleteRecord(DeleteRecordRequest.newBuilder().setKind(kind).setKey(key)
        .setExpectedVersion(expectedVersion).build()).getRecord();
  }

  /**
   * Watches a kind's records: CURRENT events, SYNCED, then PUT/DELETED as the node applies them,
   * delivered to {@code events} on a gRPC thread. No deadline: close the returned handle to stop.
   */
  public AutoCloseable watchRecords(String kind, String keyPrefix, StreamObserver<RecordEvent> events) {
    Context.CancellableContext context = Context.current().withCancellation();
    context.run(() -> AdminGrpc.newStub(channel).watchRecords(
        WatchRecordsRequest.newBuilder().setKind(kind).setKeyPrefix(keyPrefix).build(), events));
    return () -> context.cancel(null);
  }

  // ---- cluster-wide volume access (fencing) ----

  /**
   * Changes who may connect to a volume through any node's doors; a change that takes access away
   * answers once every node in view closed the connections it refuses (see VolumeAccess).
   */
  public VolumeAccess setVolumeAccess(SetVolumeAccessRequest request) {
    return call().setVolumeAccess(request);
  }

  public VolumeAccess showVolumeAccess(String volume) {
    return call().showVolumeAccess(ShowVolumeAccessRequest.newBuilder().setVolume(volume).build());
  }

  public NodeStatusResponse status() {
    return call().nodeStatus(NodeStatusRequest.getDefaultInstance());
  }

  @Override
  public void close() {
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
