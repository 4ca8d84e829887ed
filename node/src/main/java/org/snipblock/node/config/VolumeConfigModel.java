package org.snipblock.node.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.nio.file.Path;
import org.snipblock.node.OperatorError;

/** One entry of the config file's {@code volumes:} list (standalone nodes only). */
final class VolumeConfigModel {
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
