package org.snipblock.nbd;

import java.nio.file.Path;
import java.util.Objects;

/**
 * How an {@link NbdServer} listens and what it lets clients do.
 *
 * @param listenAddress   IP literal or host name to bind
 * @param port            TCP port; 0 picks an ephemeral one ({@link NbdServer#start()} returns it)
 * @param maxRequestSize  largest READ/WRITE payload accepted, advertised as the NBD_INFO_BLOCK_SIZE
 *     maximum; a multiple of 4096, at least 64 KiB (unfragmented reads of 64 KiB are mandatory)
 * @param tlsMode         off, allowed, or required (FORCEDTLS)
 * @param certificateFile server certificate chain (PEM); required unless TLS is off
 * @param privateKeyFile  server private key (PEM, PKCS#8 or PKCS#1); required unless TLS is off
 * @param trustedCaFile   CA certificates (PEM) that client certificates are verified against;
 *     null = client certificates are not requested
 * @param exportPolicies  per-export read-only flag, allow-lists and description
 * @param maxInFlightRequests requests one connection may have outstanding before the server
 *     stops reading from it
 * @param maxInFlightBytes payload bytes (write data held plus read data not yet sent) one
 *     connection may hold before the server stops reading from it
 */
public record NbdServerConfig(
    String listenAddress,
    int port,
    int maxRequestSize,
    TlsMode tlsMode,
    Path certificateFile,
    Path privateKeyFile,
    Path trustedCaFile,
    ExportPolicies exportPolicies,
    int maxInFlightRequests,
    long maxInFlightBytes) {

  public static final int DEFAULT_MAX_REQUEST_SIZE = 32 << 20;

  public NbdServerConfig {
    Objects.requireNonNull(listenAddress, "listenAddress");
    Objects.requireNonNull(tlsMode, "tlsMode");
    Objects.requireNonNull(exportPolicies, "exportPolicies");
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port out of range: " + port);
    }
    if (maxRequestSize < 65536 || maxRequestSize % 4096 != 0) {
      throw new IllegalArgumentException(
          "maxRequestSize must be a multiple of 4096 and at least 65536: " + maxRequestSize);
    }
    if (tlsMode != TlsMode.OFF && (certificateFile == null || privateKeyFile == null)) {
      throw new IllegalArgumentException("TLS " + tlsMode + " needs a certificate and a key file");
    }
    if (maxInFlightRequests < 1) {
      throw new IllegalArgumentException("maxInFlightRequests must be positive");
    }
    if (maxInFlightBytes < maxRequestSize) {
      throw new IllegalArgumentException("maxInFlightBytes must hold at least one largest request");
    }
  }

  /** Plaintext, every export open and writable, 32 MiB requests, 64 requests / 128 MiB in flight. */
  public static NbdServerConfig plain(String listenAddress, int port) {
    return new NbdServerConfig(listenAddress, port, DEFAULT_MAX_REQUEST_SIZE, TlsMode.OFF,
        null, null, null, ExportPolicies.open(), 64, 128L << 20);
  }

  public NbdServerConfig withTls(TlsMode mode, Path certificate, Path privateKey, Path trustedCa) {
    return new NbdServerConfig(listenAddress, port, maxRequestSize, mode, certificate, privateKey,
        trustedCa, exportPolicies, maxInFlightRequests, maxInFlightBytes);
  }

  public NbdServerConfig withExportPolicies(ExportPolicies policies) {
    return new NbdServerConfig(listenAddress, port, maxRequestSize, tlsMode, certificateFile,
        privateKeyFile, trustedCaFile, policies, maxInFlightRequests, maxInFlightBytes);
  }

  public NbdServerConfig withMaxRequestSize(int size) {
    return new NbdServerConfig(listenAddress, port, size, tlsMode, certificateFile,
        privateKeyFile, trustedCaFile, exportPolicies, maxInFlightRequests,
        Math.max(maxInFlightBytes, size));
  }

  public NbdServerConfig withInFlightLimits(int requests, long bytes) {
    return new NbdServerConfig(listenAddress, port, maxRequestSize, tlsMode, certificateFile,
        privateKeyFile, trustedCaFile, exportPolicies, requests, bytes);
  }
}
