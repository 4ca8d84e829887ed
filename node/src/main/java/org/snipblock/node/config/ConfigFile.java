package org.snipblock.node.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.snipblock.cluster.follow.SiteSettings;
import org.snipblock.cluster.replica.ReplicationMode;
import org.snipblock.cluster.topology.FailureDomain;
import org.snipblock.cluster.meta.ChapKey;
import org.snipblock.iscsi.ChapSecret;
import org.snipblock.iscsi.TargetAccess;
import org.snipblock.nbd.ExportPolicy;
import org.snipblock.nbd.TlsMode;
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
 *   chap-key: chap.key      # seals volumes' CHAP secrets in the metadata: the same key file on every node
 * </pre>
 *
 * Unknown keys, wrong types and bad sizes are errors naming the file, line and key: a typo must
 * never be silently ignored. Relative paths ({@code data}, the NBD certificate files) are taken relative to the file.
 */
public final class ConfigFile {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

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
    Model m;
    try (JsonParser parser = YAML.createParser(text)) {
      if (parser.nextToken() == null) {
        return NodeOptions.NONE; // only comments
      }
      m = YAML.readValue(parser, Model.class);
    } catch (UnrecognizedPropertyException e) {
      String known = e.getKnownPropertyIds().stream().map(Object::toString).sorted()
          .collect(Collectors.joining(", "));
      throw error(origin, e, "unknown key '" + e.getPropertyName() + "' (known: " + known + ")");
    } catch (JsonMappingException e) {
      if (e.getCause() instanceof StreamReadException syntax) {
        throw error(origin, syntax, "not valid YAML: " + oneLine(syntax.getOriginalMessage()));
      }
      throw error(origin, e, describe(e));
    } catch (JacksonException e) {
      throw error(origin, e, "not valid YAML: " + oneLine(e.getOriginalMessage()));
    } catch (IOException e) {
      throw new OperatorError("cannot read config file " + origin + ": " + oneLine(e.getMessage()));
    }
    if (m == null) {
      return NodeOptions.NONE; // a document that is only null ("~", "null", a bare tag): no settings
    }
    List<VolumeDeclaration> volumes = new ArrayList<>();
    List<VolumeModel> declared = m.volumes == null ? List.of() : m.volumes;
    for (int i = 0; i < declared.size(); i++) {
      if (declared.get(i) == null) {
        throw new OperatorError("config file " + origin + ": volumes[" + i + "] is empty");
      }
      volumes.add(declared.get(i).toDeclaration(origin, i));
    }
    List<String> join;
    try {
      join = entries("join", m.join);
    } catch (IllegalArgumentException e) {
      throw new OperatorError("config file " + origin + ": " + e.getMessage());
    }
    Path data = m.data == null ? null : relativeTo(origin, m.data);
    return new NodeOptions(data, m.listen, m.iscsiPort, m.nbdPort, m.adminPort, volumes,
        m.nodeId, m.location, m.clusterPort, join,
        m.store == null ? StoreOptions.NONE : m.store.toOptions(origin),
        m.iscsi == null ? Map.of() : m.iscsi.toAccess(origin),
        m.nbd == null ? null : m.nbd.toSecurity(origin),
        m.cluster == null ? ClusterOptions.NONE : m.cluster.toOptions(origin), m.httpPort,
        m.admin == null ? null : m.admin.toAuth(origin), m.admin == null ? null : m.admin.toTls(origin));
  }

  /** A path in the file, taken relative to the file's directory. */
  private static Path relativeTo(Path origin, String path) {
    Path base = origin.toAbsolutePath().getParent();
    return base == null ? Path.of(path) : base.resolve(path);
  }

  private static String describe(JsonMappingException e) {
    String key = e.getPath().stream()
        .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
        .collect(Collectors.joining(".")).replace(".[", "[");
    String why;
    if (e instanceof InvalidFormatException f) {
      why = "expected " + expected(f.getTargetType()) + ", got '" + f.getValue() + "'";
    } else if (e instanceof MismatchedInputException m && m.getTargetType() != null) {
      why = "expected " + expected(m.getTargetType());
    } else {
      why = oneLine(e.getOriginalMessage());
    }
    return key.isEmpty() ? why : "'" + key + "': " + why;
  }

  private static String expected(Class<?> type) {
    if (type == Integer.class || type == int.class) {
      return "a whole number";
    }
    if (type == Boolean.class || type == boolean.class) {
      return "true or false";
    }
    if (type == String.class) {
      return "a single value";
    }
    if (List.class.isAssignableFrom(type)) {
      return "a list";
    }
    return "a mapping of keys to values";
  }

  /**
   * YAML parser messages span lines and quote the input back with a caret under it; the operator
   * needs only the sentences (the line number is given separately).
   */
  private static String oneLine(String message) {
    return String.valueOf(message).lines()
        .filter(l -> !l.startsWith(" in '") && !l.startsWith("    ") && !l.isBlank())
        .map(String::trim)
        .collect(Collectors.joining("; "));
  }

  private static OperatorError error(Path origin, JacksonException e, String what) {
    JsonLocation at = e.getLocation();
    String where = at == null || at.getLineNr() < 1 ? "" : ", line " + at.getLineNr();
    return new OperatorError("config file " + origin + where + ": " + what);
  }

  /** The file's shape, as Jackson binds it. */
  static final class Model {
    @JsonProperty("data") String data;
    @JsonProperty("listen") String listen;
    @JsonProperty("iscsi-port") Integer iscsiPort;
    @JsonProperty("nbd-port") Integer nbdPort;
    @JsonProperty("admin-port") Integer adminPort;
    @JsonProperty("http-port") Integer httpPort;
    @JsonProperty("volumes") List<VolumeModel> volumes = new ArrayList<>();
    @JsonProperty("node-id") String nodeId;
    @JsonProperty("location") String location;
    @JsonProperty("cluster-port") Integer clusterPort;
    @JsonProperty("join") List<String> join = new ArrayList<>();
    @JsonProperty("store") StoreModel store;
    @JsonProperty("iscsi") IscsiModel iscsi;
    @JsonProperty("nbd") NbdModel nbd;
    @JsonProperty("cluster") ClusterModel cluster;
    @JsonProperty("admin") AdminConfigModel admin;
  }


  static final class ClusterModel {
    @JsonProperty("defaults") VolumeDefaultsModel defaults;
    @JsonProperty("replication") ReplicationModel replication;
    @JsonProperty("relocation") RelocationSection relocation;
    @JsonProperty("alua") AluaModel alua;
    @JsonProperty("sites") SitesModel sites;
    @JsonProperty("tls") ClusterTlsModel tls;
    @JsonProperty("chap-key") String chapKey;

    ClusterOptions toOptions(Path origin) {
      AluaModel a = alua == null ? new AluaModel() : alua;
      VolumeDefaultsModel d = defaults == null ? new VolumeDefaultsModel() : defaults;
      ReplicationModel r = replication == null ? new ReplicationModel() : replication;
      String where = "config file " + origin + ": cluster.";
      ClusterOptions o = new ClusterOptions(d.copies, d.minCopies,
          value(where + "defaults", () -> d.spread == null ? null : FailureDomain.parse(d.spread)),
          value(where + "defaults", () -> d.mode == null ? null : ReplicationMode.parse(d.mode)),
          value(where + "replication.max-lag", () -> r.maxLag == null ? null : ByteSize.parse(r.maxLag)),
          value(where + "replication.ack-timeout", () -> r.ackTimeout == null ? null : DurationText.parse(r.ackTimeout)),
          value(where + "replication.resync-rate", () -> r.resyncRate == null ? null : ByteSize.parse(r.resyncRate)),
          value(where + "replication.failover-delay",
              () -> r.failoverDelay == null ? null : DurationText.parse(r.failoverDelay)),
          value(where + "replication.rereplication-delay",
              () -> r.rereplicationDelay == null ? null : DurationText.parse(r.rereplicationDelay)),
          relocation == null ? null : relocation.toSettings(where + "relocation"),
          value(where + "alua.other-sites", () -> a.otherSites == null ? null : AluaPolicy.parseOtherSites(a.otherSites)),
          value(where + "alua.transitioning",
              () -> a.transitioning == null ? null : AluaPolicy.parseTransitioning(a.transitioning)),
          value(where + "alua.transitions",
              () -> a.transitions == null ? null : AluaPolicy.parseTransitions(a.transitions)),
          sites == null ? null : sites.toSettings(where + "sites"),
          tls == null ? null : tls.toTls(origin),
          value(where + "chap-key", () -> chapKey == null ? null : ChapKey.read(relativeTo(origin, chapKey))));
      // Checked here as well as when the node starts, so the error names the file.
      value(where + "defaults", o::volumeDefaults);
      value(where + "replication", o::replication);
      return o;
    }

    static <T> T value(String where, java.util.function.Supplier<T> parse) {
      try {
        return parse.get();
      } catch (IllegalArgumentException e) {
        throw new OperatorError(where + ": " + e.getMessage());
      }
    }
  }

  static final class VolumeDefaultsModel {
    @JsonProperty("copies") Integer copies;
    @JsonProperty("min-copies") Integer minCopies;
    @JsonProperty("spread") String spread;
    @JsonProperty("mode") String mode;
  }

  static final class SitesModel {
    @JsonProperty("sync-bound") String syncBound;
    @JsonProperty("auto-sync-lag") String autoSyncLag;
    @JsonProperty("auto-async-wait") String autoAsyncWait;
    @JsonProperty("balloon-floor") String balloonFloor;
    @JsonProperty("simulated-wan") WanModel simulatedWan;

    SiteSettings toSettings(String where) {
      SiteSettings d = SiteSettings.defaults();
      Duration bound = ClusterModel.value(where + ".sync-bound",
          () -> syncBound == null ? d.syncBound() : DurationText.parse(syncBound));
      long lag = ClusterModel.value(where + ".auto-sync-lag",
          () -> autoSyncLag == null ? d.autoSyncLagBytes() : ByteSize.parse(autoSyncLag));
      Duration wait = ClusterModel.value(where + ".auto-async-wait",
          () -> autoAsyncWait == null ? d.autoAsyncWait() : DurationText.parse(autoAsyncWait));
      long floor = ClusterModel.value(where + ".balloon-floor",
          () -> balloonFloor == null ? d.balloonFloorBytesPerSecond() : ByteSize.parse(balloonFloor));
      SiteSettings.SimulatedWan wan = simulatedWan == null ? null : ClusterModel.value(where + ".simulated-wan",
          () -> new SiteSettings.SimulatedWan(simulatedWan.delay == null ? Duration.ZERO
              : DurationText.parse(simulatedWan.delay), simulatedWan.rate == null ? 0 : ByteSize.parse(simulatedWan.rate)));
      return ClusterModel.value(where, () -> new SiteSettings(bound, lag, wait, floor, wan));
    }
  }

  /** For tests on one machine only: a delay and rate cap between sites. */
  static final class WanModel {
    @JsonProperty("delay") String delay;
    @JsonProperty("rate") String rate;
  }

  static final class ReplicationModel {
    @JsonProperty("max-lag") String maxLag;
    @JsonProperty("ack-timeout") String ackTimeout;
    @JsonProperty("resync-rate") String resyncRate;
    @JsonProperty("failover-delay") String failoverDelay;
    @JsonProperty("rereplication-delay") String rereplicationDelay;
  }

  static final class AluaModel {
    @JsonProperty("other-sites") String otherSites;
    @JsonProperty("transitioning") String transitioning;
    @JsonProperty("transitions") String transitions;
  }

  static final class IscsiModel {
    @JsonProperty("volumes") Map<String, IscsiVolumeModel> volumes = new LinkedHashMap<>();

    Map<String, TargetAccess> toAccess(Path origin) {
      Map<String, TargetAccess> access = new LinkedHashMap<>();
      (volumes == null ? Map.<String, IscsiVolumeModel>of() : volumes).forEach((name, v) -> {
        String where = "config file " + origin + ": iscsi.volumes." + name;
        if (v == null) {
          throw new OperatorError(where + " is empty");
        }
        access.put(name, v.toAccess(where));
      });
      return access;
    }
  }

  static final class IscsiVolumeModel {
    @JsonProperty("chap-user") String chapUser;
    @JsonProperty("chap-secret") String chapSecret;
    @JsonProperty("mutual-user") String mutualUser;
    @JsonProperty("mutual-secret") String mutualSecret;
    @JsonProperty("allowed-initiators") List<String> allowedInitiators = new ArrayList<>();

    TargetAccess toAccess(String where) {
      try {
        ChapSecret chap = secret("chap", chapUser, chapSecret);
        ChapSecret mutual = secret("mutual", mutualUser, mutualSecret);
        return new TargetAccess(chap, mutual, Set.copyOf(entries("allowed-initiators", allowedInitiators)));
      } catch (IllegalArgumentException e) {
        throw new OperatorError(where + ": " + e.getMessage());
      }
    }

    private static ChapSecret secret(String kind, String user, String secret) {
      if (user == null && secret == null) {
        return null;
      }
      if (user == null || secret == null) {
        throw new IllegalArgumentException("give both " + kind + "-user and " + kind + "-secret");
      }
      return new ChapSecret(user, secret);
    }
  }

  static final class NbdModel {
    @JsonProperty("tls") String tls;
    @JsonProperty("certificate") String certificate;
    @JsonProperty("key") String key;
    @JsonProperty("ca") String ca;
    @JsonProperty("exports") Map<String, ExportModel> exports = new LinkedHashMap<>();

    NbdSecurity toSecurity(Path origin) {
      String where = "config file " + origin + ": nbd";
      TlsMode mode = tlsMode(where);
      if (mode != TlsMode.OFF && (certificate == null || key == null)) {
        throw new OperatorError(where + ": tls " + tls + " needs both 'certificate' and 'key'");
      }
      Map<String, ExportPolicy> policies = new LinkedHashMap<>();
      (exports == null ? Map.<String, ExportModel>of() : exports).forEach((name, e) -> {
        String at = where + ".exports." + name;
        if (e == null) {
          throw new OperatorError(at + " is empty");
        }
        policies.put(name, e.toPolicy(at));
      });
      return new NbdSecurity(mode, readable(origin, where, "certificate", certificate),
          readable(origin, where, "key", key), readable(origin, where, "ca", ca), policies);
    }

    /** YAML 1.1 reads a bare {@code off} as false, so that spelling is accepted too. */
    private TlsMode tlsMode(String where) {
      if (tls == null) {
        return TlsMode.OFF;
      }
      return switch (tls.trim().toLowerCase(java.util.Locale.ROOT)) {
        case "off", "false" -> TlsMode.OFF;
        case "allowed" -> TlsMode.ALLOWED;
        case "required" -> TlsMode.REQUIRED;
        default -> throw new OperatorError(where + ": tls must be off, allowed or required, not '" + tls + "'");
      };
    }

    static Path readable(Path origin, String where, String key, String path) {
      if (path == null) {
        return null;
      }
      Path file = relativeTo(origin, path);
      if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
        throw new OperatorError(where + ": " + key + " " + file + " is not a readable file");
      }
      return file;
    }
  }

  static final class ExportModel {
    @JsonProperty("read-only") boolean readOnly;
    @JsonProperty("allowed-addresses") List<String> allowedAddresses = new ArrayList<>();
    @JsonProperty("allowed-certificate-names") List<String> allowedCertificateNames = new ArrayList<>();
    @JsonProperty("description") String description;

    ExportPolicy toPolicy(String where) {
      try {
        return new ExportPolicy(readOnly, entries("allowed-addresses", allowedAddresses),
            entries("allowed-certificate-names", allowedCertificateNames), description);
      } catch (IllegalArgumentException e) {
        throw new OperatorError(where + ": " + e.getMessage());
      }
    }
  }

  /** An allow-list; an empty entry would be a typo, never a wish. */
  private static List<String> entries(String key, List<String> list) {
    if (list == null) {
      return List.of();
    }
    for (String s : list) {
      if (s == null || s.isBlank()) {
        throw new IllegalArgumentException(key + " has an empty entry");
      }
    }
    return list;
  }

  static final class StoreModel {
    @JsonProperty("capacity") String capacity;
    @JsonProperty("snippet-size") String snippetSize;
    @JsonProperty("io-threads") Integer ioThreads;

    StoreOptions toOptions(Path origin) {
      try {
        return new StoreOptions(capacity == null ? null : ByteSize.parse(capacity),
            snippetSize == null ? null : ByteSize.parse(snippetSize), ioThreads);
      } catch (IllegalArgumentException e) {
        throw new OperatorError("config file " + origin + ": store: " + e.getMessage());
      }
    }
  }

  static final class VolumeModel {
    @JsonProperty(value = "name", required = true) String name;
    @JsonProperty(value = "size", required = true) String size;
    @JsonProperty("block-size") int blockSize = 512;
    @JsonProperty("snippet-size") String snippetSize;
    @JsonProperty("compression") boolean compression;

    VolumeDeclaration toDeclaration(Path origin, int index) {
      String where = "config file " + origin + ": volumes[" + index + "]";
      if (name == null || size == null) {
        throw new OperatorError(where + ": needs both 'name' and 'size'");
      }
      try {
        long snippet = snippetSize == null ? 0 : ByteSize.parse(snippetSize);
        if (snippet > Integer.MAX_VALUE) {
          throw new IllegalArgumentException("snippet-size " + snippetSize + " is too large");
        }
        return new VolumeDeclaration(name, ByteSize.parse(size), (int) snippet, blockSize, compression);
      } catch (IllegalArgumentException e) {
        throw new OperatorError(where + " (" + name + "): " + e.getMessage());
      }
    }
  }
}
