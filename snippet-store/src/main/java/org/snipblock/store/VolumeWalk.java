package org.snipblock.store;

import java.util.List;

/** A volume found by following snippet label links: its descriptor and every label, in order. */
public record VolumeWalk(VolumeDescriptor descriptor, List<SnippetLabel> snippets) {
  public VolumeWalk {
    snippets = List.copyOf(snippets);
  }
}
