package org.snipblock.node.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.snipblock.node.OperatorError;

/**
 * The node's YAML config file. Keys are the long flag names of {@code snipblock serve}, so the
 * file and the command line read alike:
 *
 * <pre>
 * data: /var/lib/snipblock
 * listen: 127.0.0.1
 * iscsi-port: 3260
 * nbd-port: 10809
 * admin-port: 7070
 * http-port: 7080          # optional: /metrics and the dashboard (off unless given)
 * node-id: node1
 * location: site1/c1/rack1/host1
 * cluster-port: 7400        # optional: join a cluster (JGroups TCP port on the listen address)
 * join: [10.0.0.1:7400, 10.0.0.2:7400, 10.0.0.3:7400]   # every metadata voter, this node included
 * store:                    # optional, storage engine
 *   capacity: 500G          # most bytes on disk (default: the file system's limit)
 *   snippet-size: 4M        # default snippet size of new volumes
 *   io-threads: 4
 *   background-rate: 100M   # what resyncs, scrubs and flattens together may move per second while
 *                           # clients are idle; busy clients push it down to a tenth; 0 = no cap
 * volumes:
 *   - name: vol0
 *     size: 10G
 *     block-size: 512       # optional, 512 or 4096
 *     snippet-size: 1M      # optional, the store's default otherwise
 *     compression: false    # optional
 * iscsi:                    # optional: per-volume CHAP and initiator allow-list (others stay open)
 *   volumes:
 *     vol0: {chap-user: u, chap-secret: s, mutual-user: t, mutual-secret: m,
 *            allowed-initiators: [iqn.2026-01.example:h1]}
 * nbd:                      # optional
 *   tls: off                # off, allowed or required (required needs certificate and key)
 *   certificate: server.pem # PEM chain; relative paths are taken relative to this file
 *   key: server.key
 *   ca: ca.pem              # optional: client certificates are checked against it
 *   exports:                # optional: per-export policy (others writable and open)
 *     vol0: {read-only: false, allowed-addresses: [10.0.0.0/8], allowed-certificate-names: [h1],
 *            description: web disk}
 * cluster:                  # optional, needs cluster-port
 *   defaults:               # redundancy of volumes created without --copies/--min-copies/--spread/--mode
 *     copies: 3
 *     min-copies: 2         # default: a majority of copies
 *     spread: compartment   # host, rack, compartment or site
 *     mode: sync            # sync or async
 *   replication:
 *     max-lag: 64M          # async: new writes wait while a replica is this far behind
 *     ack-timeout: 30s      # sync: a write fails if its quorum has not acknowledged by then
 *     resync-rate: 200M     # bytes per second one resync or re-replication may send; 0 = no cap
 *                           # (together within the store's background-rate)
 *     failover-delay: 3s    # a primary gone this long is replaced
 *   alua:                   # how the iSCSI doors report paths other than the primary's node
 *     other-sites: non-optimized   # or standby: nodes in another site refuse media access
 *     transitions: implicit  # or explicit: SET TARGET PORT GROUPS moves the primary to that path's node
 *     transitioning: wait   # or refuse: NOT READY 04/0A while the primary moves (ALUA initiators retry)
 *     rereplication-delay: 5m  # a holder gone this long has its copies placed elsewhere
 *   relocation:             # RelocationSection
 *     capacity-threshold: 80%  # above this much of its capacity used, this node moves copies away; 0 = never
 *     iops-threshold: 20000    # above this many store operations per second, it moves copies away; 0 = never
 *     latency-p99-threshold: 20ms  # above this p99 of its store's I/O latency, it moves copies away; 0 = never
 *     move-mode: auto          # a relocated copy kept in step by round trip (auto), or always sync / async
 *     rebalance-margin: 10%    # the leader evens out fills once they differ by more than this; 0 = never
 *   sites:
 *     sync-bound: 5ms       # nodes this near (round trip) are within synchronous reach of each other
 *     auto-sync-lag: 1M     # --mode auto: to sync at most this far behind; a catch-up ends this close
 *     auto-async-wait: 200ms  # --mode auto: to async when writes wait this long for a backlogged link
 *     balloon-floor: 4M     # ballooning never throttles writes below this many bytes per second
 *     simulated-wan: {delay: 10ms, rate: 8M}   # TESTS ONLY: delay and cap traffic between sites
 *     link-faults: true     # TESTS ONLY: the admin API's LinkFaults may cut and slow this node's links
 *   chap-key: chap.key      # seals volumes' CHAP secrets in the metadata: the same key file on every node
 * </pre>
 *
 * Unknown keys, wrong types and bad sizes are errors naming the file, line and key: a typo must
 * never be silently ignored. Relative paths ({@code data}, the NBD certificate files) are taken relative to the file.
 *
 * <p>{@link ConfigYaml} binds the text to {@link ConfigFileModel}, where each key is declared once;
 * each section's model reads its part into the settings records, checked with {@link ConfigValues}.
 */
public final class ConfigFile {
  private ConfigFile() {}

  /** @throws OperatorError with the file, line and key at fault */
  public static NodeOptions load(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new OperatorError("config file " + file + " does not exist");
    } catch (IOException e) {
      throw new OperatorError("cannot read config file " + file + ": " + e.getMessage());
    }
    return parse(text, file);
  }

  /** Parses config text; {@code origin} names it in errors and anchors a relative data path. */
  public static NodeOptions parse(String text, Path origin) {
    if (text.isBlank()) {
      return NodeOptions.NONE;
    }
    ConfigFileModel m = ConfigYaml.bind(text, origin);
    // Null: only comments, or a document that is only null ("~", "null", a bare tag): no settings.
    return m == null ? NodeOptions.NONE : m.toOptions(origin);
  }
}
