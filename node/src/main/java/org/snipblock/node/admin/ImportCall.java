package org.snipblock.node.admin;

import com.google.protobuf.ByteString;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.LongConsumer;
import org.snipblock.node.admin.v1.AdminGrpc;
import org.snipblock.node.admin.v1.ImportChunk;
import org.snipblock.node.admin.v1.ImportVolumeResponse;

/** The client's side of one ImportVolume call: the stream sent in chunks as the node takes them. */
final class ImportCall implements ClientResponseObserver<ImportChunk, ImportVolumeResponse> {
  private final AdminGrpc.AdminStub stub;
  private final CompletableFuture<ImportVolumeResponse> answer = new CompletableFuture<>();
  private ReadyGate gate;

  ImportCall(AdminGrpc.AdminStub stub) {
    this.stub = stub;
  }

  @Override
  public void beforeStart(ClientCallStreamObserver<ImportChunk> call) {
    gate = new ReadyGate(call);
    call.setOnReadyHandler(gate);
  }

  @Override
  public void onNext(ImportVolumeResponse r) {
    answer.complete(r);
  }

  @Override
  public void onError(Throwable t) {
    answer.completeExceptionally(t);
    gate.cancel();
  }

  @Override
  public void onCompleted() {
    gate.cancel();
  }

  ImportVolumeResponse run(String volume, InputStream stream, LongConsumer sent) throws IOException {
    ClientCallStreamObserver<ImportChunk> call =
        (ClientCallStreamObserver<ImportChunk>) stub.importVolume(this);
    byte[] buf = new byte[BackupRequests.CHUNK];
    long total = 0;
    boolean first = true;
    try {
      for (int n; (n = stream.readNBytes(buf, 0, buf.length)) > 0; first = false) {
        gate.await();
        ImportChunk.Builder c = ImportChunk.newBuilder().setData(ByteString.copyFrom(buf, 0, n));
        call.onNext(first ? c.setVolume(volume).build() : c.build());
        total += n;
        sent.accept(total);
      }
      call.onCompleted();
    } catch (IOException e) {
      if (answer.isCompletedExceptionally()) {
        return result(); // the node refused the stream before it ended: its reason, not ours
      }
      call.cancel("the stream could not be read: " + e.getMessage(), e);
      throw e;
    }
    return result();
  }

  private ImportVolumeResponse result() {
    try {
      return answer.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the import", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof StatusRuntimeException s) {
        throw s;
      }
      throw new IllegalStateException(e.getCause());
    }
  }
}
