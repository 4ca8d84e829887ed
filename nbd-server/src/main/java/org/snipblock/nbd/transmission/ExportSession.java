package org.snipblock.nbd.transmission;

import java.util.concurrent.atomic.AtomicBoolean;
import org.snipblock.block.BlockDevice;

/**
 * What the handshake settled for one connection's transmission phase.
 *
 * @param metaContextId id of base:allocation if the client selected it, else 0
 * @param transmissionFlags the flags advertised to the client (decide which command flags are valid)
 * @param serverClosing set when the server shuts down
 */
public record ExportSession(
    BlockDevice device,
    boolean readOnly,
    boolean structuredReplies,
    int metaContextId,
    int transmissionFlags,
    int maxRequestSize,
    int maxInFlightRequests,
    long maxInFlightBytes,
    AtomicBoolean serverClosing) {}
