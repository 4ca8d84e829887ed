package org.snipblock.node.admin;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snipblock.node.admin.v1.ExportUsageRequest;
import org.snipblock.node.admin.v1.UsageExport;
import org.snipblock.node.admin.v1.UsageGrpc;
import org.snipblock.node.admin.v1.UsageRow;
import org.snipblock.node.tenant.TenantName;
import org.snipblock.node.usage.UsageHours;
import org.snipblock.node.usage.UsagePeers;
import org.snipblock.node.usage.UsageRecord;

/**
 * The admin API's {@code Usage} calls: hourly metering, for billing. On a cluster the node asked
 * gathers every node's rows (a volume's usage is split over the nodes that were its primary and
 * the doors its clients used), so any node answers for the cluster; a node that does not answer in
 * {@link #PEER_WAIT} is named in the answer rather than silently left out. A tenant's caller gets
 * its own volumes' rows only.
 */
public final class UsageService extends UsageGrpc.UsageImplBase {
  private static final Logger log = LoggerFactory.getLogger(UsageService.class);
  public static final Duration PEER_WAIT = Duration.ofSeconds(10);
  private static final Comparator<UsageRow> ORDER = Comparator.comparingLong(UsageRow::getHourEpochSeconds)
      .thenComparing(UsageRow::getNode).thenComparing(UsageRow::getVolume).thenComparingLong(UsageRow::getVolumeId);

  private final String node;
  private final UsageHours hours;
  private final Supplier<Instant> now;
  private final UsagePeers peers;
  private final AdminCalls calls = new AdminCalls(null);

  /**
   * @param hours null on a node that does not meter (no store of its own): UNIMPLEMENTED
   * @param peers the other nodes to gather from; null: this node's rows only (a standalone node, and
   *     the answer a node gives another one gathering)
   */
  public UsageService(String node, UsageHours hours, Supplier<Instant> now, UsagePeers peers) {
    this.node = node;
    this.hours = hours;
    this.now = now;
    this.peers = peers;
  }

  @Override
  public void exportUsage(ExportUsageRequest req, StreamObserver<UsageExport> out) {
    if (hours == null) {
      super.exportUsage(req, out);
      return;
    }
    long from = req.getFromEpochSeconds();
    long to = req.getToEpochSeconds() == 0 ? Long.MAX_VALUE : req.getToEpochSeconds();
    if (from < 0 || from >= to) {
      out.onError(Status.INVALID_ARGUMENT.withDescription("usage export: --from " + Instant.ofEpochSecond(from)
          + " is not before --to " + Instant.ofEpochSecond(Math.min(to, now.get().getEpochSecond()))).asRuntimeException());
      return;
    }
    String tenant;
    try {
      tenant = tenantOf(req, Caller.current());
    } catch (RuntimeException e) {
      io.grpc.StatusRuntimeException refused = AdminService.toStatus("export the usage", e);
      log.info("refused {} by {}: {}", UsageGrpc.getExportUsageMethod().getFullMethodName(), Caller.current(),
          refused.getStatus().getDescription());
      out.onError(refused);
      return;
    }
    calls.answer(out, "export the usage", () -> {
      UsageExport.Builder b = own(from, to);
      if (peers != null) {
        gather(req.toBuilder().setTenant("").build(), b);
      }
      List<UsageRow> rows = b.getRowsList().stream().filter(r -> tenant.isEmpty() || r.getTenant().equals(tenant))
          .sorted(ORDER).toList();
      return b.clearRows().addAllRows(rows).build();
    });
  }

  /** The tenant whose rows the caller gets: a tenant's caller its own only; "" for every row. */
  static String tenantOf(ExportUsageRequest req, Caller caller) {
    if (!req.getTenant().isEmpty()) {
      try {
        TenantName.check(req.getTenant());
      } catch (IllegalArgumentException e) {
        throw AdminErrors.invalid(e.getMessage());
      }
    }
    if (caller.operator()) {
      return req.getTenant();
    }
    if (!req.getTenant().isEmpty() && !req.getTenant().equals(caller.tenant())) {
      throw Status.PERMISSION_DENIED.withDescription("tenant " + caller.tenant() + " may not export the usage of tenant "
          + req.getTenant()).asRuntimeException();
    }
    return caller.tenant();
  }

  private UsageExport.Builder own(long from, long to) {
    try {
      UsageExport.Builder b = UsageExport.newBuilder().setNode(node);
      long open = hours.openHour();
      for (UsageRecord r : hours.export(from, to)) {
        b.addRows(UsageRow.newBuilder().setHourEpochSeconds(r.hour()).setVolume(r.volume()).setVolumeId(r.id())
            .setTenant(r.tenant()).setProvisionedByteHours(r.provisionedByteHours())
            .setUsedByteHours(r.usedByteHours()).setReads(r.reads()).setWrites(r.writes())
            .setReadBytes(r.readBytes()).setWrittenBytes(r.writtenBytes()).setOpen(r.hour() == open).setNode(node));
      }
      return b;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Adds every other node's rows, asked all at once; a node without an answer in time is named as missing. */
  private void gather(ExportUsageRequest req, UsageExport.Builder into) {
    Map<String, CompletableFuture<UsageExport>> asked = new LinkedHashMap<>();
    for (String n : peers.nodes()) {
      asked.put(n, peers.ask(n, req));
    }
    long deadline = System.nanoTime() + PEER_WAIT.toNanos();
    List<String> missing = new ArrayList<>();
    asked.forEach((n, answer) -> {
      try {
        UsageExport e = answer.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        for (UsageRow r : e.getRowsList()) {
          into.addRows(r.getNode().isEmpty() ? r.toBuilder().setNode(e.getNode()).build() : r);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        missing.add(n);
      } catch (ExecutionException | TimeoutException e) {
        log.warn("usage export: node {} did not answer ({}); its rows are left out and it is named as missing", n,
            e instanceof ExecutionException ? e.getCause().toString() : "no answer within " + PEER_WAIT.toSeconds() + " s");
        answer.cancel(true);
        missing.add(n);
      }
    });
    into.addAllMissingNodes(missing);
  }
}
