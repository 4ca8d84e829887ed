package org.snipblock.node.admin;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.snipblock.block.DaemonThreads;
import org.snipblock.node.admin.v1.ExportChunk;
import org.snipblock.node.admin.v1.ExportVolumeRequest;
import org.snipblock.node.admin.v1.ImportChunk;
import org.snipblock.node.admin.v1.ImportVolumeResponse;
import org.snipblock.node.admin.v1.SnapshotVolumesRequest;
import org.snipblock.node.backup.StreamFormatException;
import org.snipblock.node.backup.VolumeExporter;
import org.snipblock.node.backup.VolumeImporter;
import org.snipblock.store.VolumeManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin API's export and import streams. Each runs on a thread of its own (it reads or writes a
 * whole volume), paced by the client: an export sends a chunk only when the client can take it, an
 * import asks for the next chunk only once the last one has been read.
 */
final class BackupRequests {
  private static final Logger log = LoggerFactory.getLogger(BackupRequests.class);
  /** Bytes of stream per message. */
  static final int CHUNK = 1 << 20;

  private final VolumeManager volumes;
  private final SnapshotRequests snapshots;
  private final ExecutorService threads = Executors.newCachedThreadPool(DaemonThreads.named("backup"));

  BackupRequests(VolumeManager volumes, SnapshotRequests snapshots) {
    this.volumes = volumes;
    this.snapshots = snapshots;
  }

  /**
   * Streams a snapshot; with no snapshot named, the live volume through a temporary snapshot taken
   * first and deleted once the stream ends however it ends, so the stream is still one point in time.
   */
  void export(ExportVolumeRequest req, StreamObserver<ExportChunk> out) {
    ServerCallStreamObserver<ExportChunk> call = (ServerCallStreamObserver<ExportChunk>) out;
    boolean live = req.getSnapshot().isEmpty();
    String what = "export " + req.getVolume() + (live ? "" : "@" + req.getSnapshot());
    VolumeExporter.Export export;
    String snapshot = req.getSnapshot();
    try {
      if (req.getVolume().isEmpty()) {
        throw AdminErrors.invalid("name the volume to export: NAME, or NAME@SNAPSHOT for one of its snapshots");
      }
      VolumeExporter exporter = new VolumeExporter(volumes, snapshots.reader(req.getVolume(), "export"));
      if (live) {
        snapshot = TemporarySnapshot.name();
        snapshots.take(SnapshotVolumesRequest.newBuilder().addVolumes(req.getVolume()).setSnapshot(snapshot).build());
      }
      try {
        export = exporter.prepare(req.getVolume(), snapshot,
            req.getSinceSnapshot().isEmpty() ? null : req.getSinceSnapshot());
      } catch (RuntimeException e) {
        dropTemporary(live, req.getVolume(), snapshot);
        throw e;
      }
    } catch (RuntimeException e) {
      out.onError(AdminService.toStatus(what, e));
      return;
    }
    ReadyGate gate = new ReadyGate(call);
    call.setOnReadyHandler(gate);
    call.setOnCancelHandler(gate::cancel);
    String exported = snapshot;
    threads.execute(() -> {
      try (export) {
        ChunkOutput sink = new ChunkOutput(call, gate, export.totalBytes());
        export.writeTo(sink, sink::covered);
        sink.flush();
        out.onCompleted();
        log.info("{}{}{}: done", what, live ? " (live, as " + exported + ")" : "",
            req.getSinceSnapshot().isEmpty() ? "" : " since " + req.getSinceSnapshot());
      } catch (IOException e) {
        log.info("{} ended early: {}", what, e.getMessage());
        out.onError(Status.CANCELLED.withDescription(e.getMessage()).asRuntimeException());
      } catch (RuntimeException e) {
        out.onError(AdminService.toStatus(what, e));
      } finally {
        dropTemporary(live, req.getVolume(), exported);
      }
    });
  }

  /** Deletes a live export's temporary snapshot; one left behind (the node died) is an ordinary snapshot. */
  private void dropTemporary(boolean live, String volume, String snapshot) {
    if (!live) {
      return;
    }
    try {
      snapshots.delete(volume, snapshot);
    } catch (RuntimeException e) {
      log.warn("export of {}: its temporary snapshot {} not deleted ({}); delete it with 'volume snapshot-delete'",
          volume, snapshot, e.getMessage());
    }
  }

  StreamObserver<ImportChunk> importVolume(StreamObserver<ImportVolumeResponse> out) {
    ServerCallStreamObserver<ImportVolumeResponse> call = (ServerCallStreamObserver<ImportVolumeResponse>) out;
    call.disableAutoRequest();
    call.request(1);
    ChunkPipe pipe = new ChunkPipe(() -> call.request(1));
    return new StreamObserver<>() {
      private boolean started;

      @Override
      public void onNext(ImportChunk chunk) {
        if (!started) {
          started = true;
          threads.execute(() -> run(chunk.getVolume(), pipe, out));
        }
        pipe.add(chunk.getData());
      }

      @Override
      public void onError(Throwable t) {
        pipe.fail();
      }

      @Override
      public void onCompleted() {
        if (!started) {
          out.onError(AdminErrors.invalid("the import stream was empty"));
        }
        pipe.end();
      }
    };
  }

  private void run(String volume, ChunkPipe pipe, StreamObserver<ImportVolumeResponse> out) {
    String what = "import into " + volume;
    try {
      if (volume.isEmpty()) {
        throw AdminErrors.invalid("name the volume to import into");
      }
      VolumeImporter.Result r = new VolumeImporter(volumes, snapshots.importBase()).run(volume, pipe);
      out.onNext(ImportVolumeResponse.newBuilder().setVolume(r.volume()).setSnapshot(r.snapshot())
          .setIncremental(r.incremental()).setExtents(r.extents()).setDataBytes(r.dataBytes()).build());
      out.onCompleted();
    } catch (StreamFormatException e) {
      log.info("{} refused: {}", what, e.getMessage());
      out.onError(AdminErrors.invalid("bad backup stream: " + e.getMessage() + "; nothing was changed"));
    } catch (IOException e) {
      log.info("{} ended early: {}", what, e.getMessage());
      out.onError(Status.CANCELLED.withDescription(e.getMessage()).asRuntimeException());
    } catch (RuntimeException e) {
      out.onError(AdminService.toStatus(what, e));
    }
  }

  /** The stream's bytes, cut into messages of {@link #CHUNK} bytes sent when the client is ready. */
  private static final class ChunkOutput extends OutputStream {
    private final ServerCallStreamObserver<ExportChunk> call;
    private final ReadyGate gate;
    private final long total;
    private final byte[] buf = new byte[CHUNK];
    private int n;
    private long covered;

    ChunkOutput(ServerCallStreamObserver<ExportChunk> call, ReadyGate gate, long total) {
      this.call = call;
      this.gate = gate;
      this.total = total;
    }

    void covered(long bytes) {
      covered = bytes;
    }

    @Override
    public void write(int b) throws IOException {
      if (n == buf.length) {
        flush();
      }
      buf[n++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      while (len > 0) {
        if (n == buf.length) {
          flush();
        }
        int k = Math.min(len, buf.length - n);
        System.arraycopy(b, off, buf, n, k);
        n += k;
        off += k;
        len -= k;
      }
    }

    @Override
    public void flush() throws IOException {
      if (n == 0) {
        return;
      }
      gate.await();
      call.onNext(ExportChunk.newBuilder().setData(ByteString.copyFrom(buf, 0, n)).setCoveredBytes(covered)
          .setTotalBytes(total).build());
      n = 0;
    }
  }
}
