package org.snipblock.store;

import java.util.List;

/** What {@link SnippetStore#rebuildIndexFromLabels()} found: volumes restored and any it could not. */
public record RebuildReport(int volumes, long snippets, List<String> problems) {
  public RebuildReport {
    problems = List.copyOf(problems);
  }
}
