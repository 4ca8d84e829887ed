package org.snipblock.store;

import java.util.List;

/**
 * What {@link SnippetLabels#rebuildIndexFromLabels()} found: volumes restored, the layer records
 * (snapshots, live layers, clones' parent links) their head labels gave back, and anything it could
 * not restore, one line each.
 */
public record RebuildReport(int volumes, long snippets, int layers, List<String> problems) {
  public RebuildReport {
    problems = List.copyOf(problems);
  }
}
