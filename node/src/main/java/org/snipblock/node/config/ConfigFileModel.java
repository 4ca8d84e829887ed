package org.snipblock.node.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.snipblock.node.OperatorError;

/**
 * The config file's top level, as Jackson binds it (the keys are {@code snipblock serve}'s long
 * flag names); each section has a model of its own that reads it into its settings.
 */
final class ConfigFileModel {
  @JsonProperty("data") String data;
  @JsonProperty("listen") String listen;
  @JsonProperty("iscsi-port") Integer iscsiPort;
  @JsonProperty("nbd-port") Integer nbdPort;
  @JsonProperty("admin-port") Integer adminPort;
  @JsonProperty("http-port") Integer httpPort;
  @JsonProperty("volumes") List<VolumeConfigModel> volumes = new ArrayList<>();
  @JsonProperty("node-id") String nodeId;
  @JsonProperty("location") String location;
  @JsonProperty("cluster-port") Integer clusterPort;
  @JsonProperty("join") List<String> join = new ArrayList<>();
  @JsonProperty("store") StoreConfigModel store;
  @JsonProperty("iscsi") IscsiConfigModel iscsi;
  @JsonProperty("nbd") NbdConfigModel nbd;
  @JsonProperty("cluster") ClusterConfigModel cluster;
  @JsonProperty("admin") AdminConfigModel admin;

  /** @throws OperatorError naming the file and the setting at fault */
  NodeOptions toOptions(Path origin) {
    List<VolumeDeclaration> declarations = new ArrayList<>();
    List<VolumeConfigModel> declared = volumes == null ? List.of() : volumes;
    for (int i = 0; i < declared.size(); i++) {
      if (declared.get(i) == null) {
        throw new OperatorError("config file " + origin + ": volumes[" + i + "] is empty");
      }
      declarations.add(declared.get(i).toDeclaration(origin, i));
    }
    List<String> endpoints = ConfigValues.value("config file " + origin, () -> ConfigValues.entries("join", join));
    Path dataDir = data == null ? null : ConfigValues.relativeTo(origin, data);
    return new NodeOptions(dataDir, listen, iscsiPort, nbdPort, adminPort, declarations,
        nodeId, location, clusterPort, endpoints,
        store == null ? StoreOptions.NONE : store.toOptions(origin),
        iscsi == null ? Map.of() : iscsi.toAccess(origin),
        nbd == null ? null : nbd.toSecurity(origin),
        cluster == null ? ClusterOptions.NONE : cluster.toOptions(origin), httpPort,
        admin == null ? null : admin.toAuth(origin), admin == null ? null : admin.toTls(origin));
  }
}
