package org.snipblock.nbd.handshake;

import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import org.snipblock.block.BlockDevice;
import org.snipblock.block.BlockDeviceCatalog;
import org.snipblock.nbd.ExportPolicies;
import org.snipblock.nbd.ExportPolicy;
import org.snipblock.nbd.protocol.Nbd;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which exports the client of one connection may see and open: the protocol's default export,
 * each export's policy (the client's address and the names in its TLS certificate), and the
 * server's catalog, which a miss asks to catch up once per connection ({@link CatalogCatchUp})
 * before it is final.
 */
public final class ExportAccess {
  private static final Logger log = LoggerFactory.getLogger(ExportAccess.class);

  private final BlockDeviceCatalog catalog;
  private final ExportPolicies policies;
  private final CatalogCatchUp catalogCatchUp;

  ExportAccess(BlockDeviceCatalog catalog, ExportPolicies policies, CatalogCatchUp catalogCatchUp) {
    this.catalog = catalog;
    this.policies = policies;
    this.catalogCatchUp = catalogCatchUp;
  }

  /**
   * The exports this client may use, for NBD_OPT_LIST; those it may not are not shown to it.
   *
   * @throws CatalogCatchUp.Behind the first time: caught up first, the list has the exports
   *     created a moment ago through other nodes too
   */
  List<String> listed(Channel channel) {
    catalogCatchUp.missed(catalog);
    InetSocketAddress client = clientAddress(channel);
    List<String> certNames = PeerCertificateNames.of(channel.pipeline().get(SslHandler.class));
    return catalog.names().stream().filter(name -> policies.forExport(name).admits(client, certNames)).toList();
  }

  /**
   * Opens the export for this client, or says which option error refuses it.
   *
   * @throws CatalogCatchUp.Behind the first time a name is missing from a catalog that may lag
   */
  ExportResolution resolve(Channel channel, String requested) {
    String name = exportNameOrDefault(requested);
    if (name == null) {
      return ExportResolution.refused(Nbd.REP_ERR_UNKNOWN, "no export named '" + requested + "'");
    }
    ExportPolicy policy = policies.forExport(name);
    List<String> certNames = PeerCertificateNames.of(channel.pipeline().get(SslHandler.class));
    if (!policy.admits(clientAddress(channel), certNames)) {
      log.info("{}: export {} refused by policy (certificate names {})", channel.remoteAddress(), name, certNames);
      return ExportResolution.refused(Nbd.REP_ERR_POLICY, "access to export '" + name + "' is not allowed");
    }
    Optional<BlockDevice> device = catalog.open(name);
    if (device.isEmpty()) {
      catalogCatchUp.missed(catalog);
    }
    return device.map(d -> ExportResolution.found(d, policy))
        .orElseGet(() -> ExportResolution.refused(Nbd.REP_ERR_UNKNOWN, "no export named '" + name + "'"));
  }

  /**
   * The empty name is the protocol's "default export": served only when the node has exactly one
   * export, since picking one of several would be a guess.
   */
  private String exportNameOrDefault(String requested) {
    if (!requested.isEmpty()) {
      // The catalog decides when opening: it also serves exports it does not list (snapshots).
      return requested;
    }
    List<String> names = catalog.names();
    return names.size() == 1 ? names.get(0) : null;
  }

  /** Whether a policy admits the client of a connection: its address and its TLS certificate's names. */
  public static boolean admits(Channel channel, ExportPolicy policy) {
    return policy.admits(clientAddress(channel), PeerCertificateNames.of(channel.pipeline().get(SslHandler.class)));
  }

  private static InetSocketAddress clientAddress(Channel channel) {
    return channel.remoteAddress() instanceof InetSocketAddress a ? a : null;
  }
}
