package org.snipblock.node.usage;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.snipblock.node.admin.v1.ExportUsageRequest;
import org.snipblock.node.admin.v1.UsageExport;

/** The other nodes of a cluster, each asked for the rows of its own usage log. */
public interface UsagePeers {
  /** The other nodes now (by id). */
  List<String> nodes();

  /** The node's own rows; fails when it does not answer in time. */
  CompletableFuture<UsageExport> ask(String node, ExportUsageRequest request);
}
