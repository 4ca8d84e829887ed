package org.snipblock.store;

/** Names one snippet anywhere: the volume it belongs to and its index in that volume. */
public record SnippetRef(long volumeId, long index) {
  public SnippetRef {
    if (index < 0) {
      throw new IllegalArgumentException("negative snippet index " + index);
    }
  }
}
