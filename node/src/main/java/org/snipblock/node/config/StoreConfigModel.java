package org.snipblock.node.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.nio.file.Path;

/** The config file's {@code store:} section: the storage engine's settings. */
final class StoreConfigModel {
  @JsonProperty("capacity") String capacity;
  @JsonProperty("snippet-size") String snippetSize;
  @JsonProperty("io-threads") Integer ioThreads;
  @JsonProperty("background-rate") String backgroundRate;

  StoreOptions toOptions(Path origin) {
    return ConfigValues.value("config file " + origin + ": store",
        () -> new StoreOptions(capacity == null ? null : ByteSize.parse(capacity),
            snippetSize == null ? null : ByteSize.parse(snippetSize), ioThreads,
            backgroundRate == null ? null : ByteSize.parse(backgroundRate)));
  }
}
