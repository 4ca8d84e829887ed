package org.snipblock.nbd.handshake;

import io.netty.handler.ssl.SslContext;
import java.util.concurrent.atomic.AtomicBoolean;
import org.snipblock.block.BlockDeviceCatalog;
import org.snipblock.nbd.NbdServerConfig;

/**
 * What every connection of one server shares.
 *
 * @param sslContext null when TLS is off
 * @param closing    set once the server is shutting down: new options and requests are refused
 */
public record ServerContext(
    NbdServerConfig config, BlockDeviceCatalog catalog, SslContext sslContext, AtomicBoolean closing) {}
