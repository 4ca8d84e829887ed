package org.snipblock.nbd.transmission;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.snipblock.block.BlockDevice;

/**
 * What the handshake settled for one connection's transmission phase.
 *
 * @param metaContextId id of base:allocation if the client selected it, else 0
 * @param changedContexts the {@code snipblock:changed:SNAPSHOT} contexts the client selected
 * @param transmissionFlags the flags advertised to the client (decide which command flags are valid)
 * @param serverClosing set when the server shuts down
 */
public record ExportSession(
    BlockDevice device,
    boolean readOnly,
    boolean structuredReplies,
    int metaContextId,
    List<ChangedContext> changedContexts,
    int transmissionFlags,
    int maxRequestSize,
    int maxInFlightRequests,
    long maxInFlightBytes,
    AtomicBoolean serverClosing) {

  /** A selected changed-block context: its id and the snapshot changes are counted from. */
  public record ChangedContext(int id, String snapshot) {}

  /** A session with base:allocation at most. */
  public ExportSession(BlockDevice device, boolean readOnly, boolean structuredReplies, int metaContextId,
      int transmissionFlags, int maxRequestSize, int maxInFlightRequests, long maxInFlightBytes,
      AtomicBoolean serverClosing) {
    this(device, readOnly, structuredReplies, metaContextId, List.of(), transmissionFlags, maxRequestSize,
        maxInFlightRequests, maxInFlightBytes, serverClosing);
  }

  /** True if BLOCK_STATUS has any context to answer for. */
  public boolean hasMetaContexts() {
    return metaContextId != 0 || !changedContexts.isEmpty();
  }
}
