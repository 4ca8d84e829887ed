package org.snipblock.adapter.cli;

import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.snipblock.adapter.Inventory;
import org.snipblock.node.OperatorError;
import picocli.CommandLine.Option;

/** How an adapter command reaches the storage cluster that keeps the records, and how it answers. */
final class FleetOptions {
  @Option(names = "--admin", split = ",", paramLabel = "HOST:PORT",
      description = "Admin API of the storage nodes, nearest first (default 127.0.0.1:7070).")
  List<String> admin = new ArrayList<>(List.of("127.0.0.1:7070"));

  @Option(names = "--json", description = "Print JSON instead of text.")
  boolean json;

  /** Runs {@code call} with the inventory, turning gRPC failures into one-line operator errors. */
  <T> T call(Function<Inventory, T> call) {
    try (Inventory inventory = new Inventory(admin)) {
      return call.apply(inventory);
    } catch (StatusRuntimeException e) {
      throw new OperatorError(describe(e));
    }
  }

  private String describe(StatusRuntimeException e) {
    return switch (e.getStatus().getCode()) {
      case UNAVAILABLE -> "cannot reach the snipblock admin API at " + String.join(", ", admin)
          + " (is the cluster running? give --admin HOST:PORT)";
      case DEADLINE_EXCEEDED -> "the admin API at " + String.join(", ", admin) + " did not answer in time";
      default -> e.getStatus().getDescription() != null ? e.getStatus().getDescription()
          : "the admin API failed: " + e.getStatus().getCode();
    };
  }
}
