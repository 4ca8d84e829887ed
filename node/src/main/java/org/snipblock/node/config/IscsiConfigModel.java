package org.snipblock.node.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.snipblock.iscsi.ChapSecret;
import org.snipblock.iscsi.TargetAccess;
import org.snipblock.node.OperatorError;

/** The config file's {@code iscsi:} section: CHAP and initiator allow-lists by volume. */
final class IscsiConfigModel {
  @JsonProperty("volumes") Map<String, VolumeAccessModel> volumes = new LinkedHashMap<>();

  Map<String, TargetAccess> toAccess(Path origin) {
    Map<String, TargetAccess> access = new LinkedHashMap<>();
    (volumes == null ? Map.<String, VolumeAccessModel>of() : volumes).forEach((name, v) -> {
      String where = "config file " + origin + ": iscsi.volumes." + name;
      if (v == null) {
        throw new OperatorError(where + " is empty");
      }
      access.put(name, ConfigValues.value(where, v::toAccess));
    });
    return access;
  }

  /** One volume's entry under {@code iscsi.volumes}. */
  static final class VolumeAccessModel {
    @JsonProperty("chap-user") String chapUser;
    @JsonProperty("chap-secret") String chapSecret;
    @JsonProperty("mutual-user") String mutualUser;
    @JsonProperty("mutual-secret") String mutualSecret;
    @JsonProperty("allowed-initiators") List<String> allowedInitiators = new ArrayList<>();

    /** @throws IllegalArgumentException naming the bad value */
    TargetAccess toAccess() {
      ChapSecret chap = secret("chap", chapUser, chapSecret);
      ChapSecret mutual = secret("mutual", mutualUser, mutualSecret);
      return new TargetAccess(chap, mutual, Set.copyOf(ConfigValues.entries("allowed-initiators", allowedInitiators)));
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
}
