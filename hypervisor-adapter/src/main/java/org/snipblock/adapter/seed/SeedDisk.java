package org.snipblock.adapter.seed;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.snipblock.adapter.ExternalCommand;

/**
 * Builds a NoCloud seed disk (cloud-init's convention): a small vfat image labelled {@code CIDATA}
 * holding {@code meta-data} (instance id, hostname, ssh keys) and {@code user-data} (the operator's,
 * or a minimal {@code #cloud-config} setting the hostname and keys). Made with dosfstools and mtools,
 * which need no mounting and no root.
 */
public final class SeedDisk {
  public static final String LABEL = "CIDATA";
  private static final int SIZE_KIB = 1024;
  private static final Duration TOOL_TIMEOUT = Duration.ofSeconds(30);
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
      .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));

  private SeedDisk() {}

  /** Writes the seed disk of {@code identity} to {@code image} (replacing it). */
  public static void write(GuestIdentity identity, Path image) {
    try {
      Path dir = Files.createTempDirectory(image.toAbsolutePath().getParent(), "seed");
      try {
        Path metaData = Files.writeString(dir.resolve("meta-data"), metaData(identity));
        Path userData = Files.writeString(dir.resolve("user-data"), userData(identity));
        Files.deleteIfExists(image);
        ExternalCommand.run(TOOL_TIMEOUT,
            List.of("mkfs.vfat", "-n", LABEL, "-C", image.toString(), String.valueOf(SIZE_KIB)));
        ExternalCommand.run(TOOL_TIMEOUT,
            List.of("mcopy", "-i", image.toString(), metaData.toString(), userData.toString(), "::"));
      } finally {
        for (String f : List.of("meta-data", "user-data")) {
          Files.deleteIfExists(dir.resolve(f));
        }
        Files.deleteIfExists(dir);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the seed disk " + image, e);
    }
  }

  static String metaData(GuestIdentity identity) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("instance-id", identity.instanceId());
    m.put("local-hostname", identity.hostname());
    if (!identity.sshKeys().isEmpty()) {
      m.put("public-keys", identity.sshKeys());
    }
    return yaml(m);
  }

  static String userData(GuestIdentity identity) {
    if (identity.userData() != null) {
      return identity.userData();
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("hostname", identity.hostname());
    if (!identity.sshKeys().isEmpty()) {
      m.put("ssh_authorized_keys", identity.sshKeys());
    }
    return "#cloud-config\n" + yaml(m);
  }

  private static String yaml(Map<String, Object> m) {
    try {
      return YAML.writeValueAsString(m);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write YAML", e);
    }
  }
}
