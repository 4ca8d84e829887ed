package org.snipblock.node.config;

import org.snipblock.store.VolumeSpec;

/**
 * A volume the node must serve, created at start if absent (from {@code --volume NAME:SIZE} or
 * the config file's {@code volumes:} list). An existing volume is left as it is.
 */
public record VolumeDeclaration(String name, long size, int snippetSize, int blockSize, boolean compression) {

  /** Parses the {@code --volume NAME:SIZE} form; the rest takes the store's defaults. */
  public static VolumeDeclaration parse(String text) {
    int colon = text.lastIndexOf(':');
    if (colon <= 0 || colon == text.length() - 1) {
      throw new IllegalArgumentException("invalid volume '" + text + "': expected NAME:SIZE (e.g. vol0:10G)");
    }
    String name = text.substring(0, colon);
    long size = ByteSize.parse(text.substring(colon + 1));
    return new VolumeDeclaration(name, size, 0, 512, false);
  }

  public VolumeSpec spec() {
    return new VolumeSpec(name, size, snippetSize, blockSize, compression);
  }
}
