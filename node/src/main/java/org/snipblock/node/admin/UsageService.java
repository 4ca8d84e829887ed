package org.snipblock.node.admin;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.function.Supplier;
import org.snipblock.node.admin.v1.ExportUsageRequest;
import org.snipblock.node.admin.v1.UsageExport;
import org.snipblock.node.admin.v1.UsageGrpc;
import org.snipblock.node.admin.v1.UsageRow;
import org.snipblock.node.usage.UsageHours;
import org.snipblock.node.usage.UsageRecord;

/** The admin API's {@code Usage} calls: this node's hourly metering, for billing. */
public final class UsageService extends UsageGrpc.UsageImplBase {
  private final String node;
  private final UsageHours hours;
  private final Supplier<Instant> now;
  private final AdminCalls calls = new AdminCalls(null);

  /** @param hours null on a node that does not meter (no store of its own): UNIMPLEMENTED */
  public UsageService(String node, UsageHours hours, Supplier<Instant> now) {
    this.node = node;
    this.hours = hours;
    this.now = now;
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
    calls.answer(out, "export the usage", () -> {
      try {
        UsageExport.Builder b = UsageExport.newBuilder().setNode(node);
        long open = hours.openHour();
        for (UsageRecord r : hours.export(from, to)) {
          b.addRows(UsageRow.newBuilder().setHourEpochSeconds(r.hour()).setVolume(r.volume()).setVolumeId(r.id())
              .setTenant(r.tenant()).setProvisionedByteHours(r.provisionedByteHours())
              .setUsedByteHours(r.usedByteHours()).setReads(r.reads()).setWrites(r.writes())
              .setReadBytes(r.readBytes()).setWrittenBytes(r.writtenBytes()).setOpen(r.hour() == open));
        }
        return b.build();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
  }
}
