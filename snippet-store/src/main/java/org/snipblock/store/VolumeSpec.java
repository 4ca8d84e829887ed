package org.snipblock.store;

/**
 * What an operator asks for when creating a volume.
 *
 * @param snippetSize bytes per snippet; 0 means the store's default
 * @param blockSize   logical block size presented to clients: 512 or 4096
 * @param readOnly    served write-protected from the start (a template)
 */
public record VolumeSpec(String name, long size, int snippetSize, int blockSize, boolean compression,
    boolean readOnly) {
  public VolumeSpec(String name, long size, int snippetSize, int blockSize, boolean compression) {
    this(name, size, snippetSize, blockSize, compression, false);
  }

  public static VolumeSpec of(String name, long size) {
    return new VolumeSpec(name, size, 0, 512, false);
  }
}
