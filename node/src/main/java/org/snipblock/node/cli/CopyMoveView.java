package org.snipblock.node.cli;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.snipblock.node.admin.v1.CopyMoveStatus;
import org.snipblock.node.config.ByteSize;

/**
 * A copy move under way as the CLI prints it, in text or JSON.
 *
 * @param snippet  the placement stripe moving
 * @param snippets how many snippets it places (what the move copies)
 * @param inSync   the target's copy is in sync: only the switch is left
 * @param progress the primary's resync of the target as last reported; null before its first report
 */
record CopyMoveView(String volume, long snippet, String from, String to, long startedEpochMillis, String started,
    long snippets, boolean inSync, Progress progress) {

  record Progress(long snippetsDone, long snippetsTotal, long bytesCopied, long measuredEpochMillis) {}

  static CopyMoveView of(CopyMoveStatus m) {
    return new CopyMoveView(m.getVolume(), m.getSnippet(), m.getFrom(), m.getTo(), m.getStartedEpochMillis(),
        Instant.ofEpochMilli(m.getStartedEpochMillis()).truncatedTo(ChronoUnit.SECONDS).toString(), m.getSnippets(),
        m.getInSync(), m.getProgressKnown() ? new Progress(m.getSnippetsDone(), m.getSnippetsTotal(),
        m.getBytesCopied(), m.getProgressEpochMillis()) : null);
  }

  /** Short, for a drain's progress line: "dr stripe 5 n1 -> n2". */
  String text() {
    return volume + " stripe " + snippet + " " + from + " -> " + to;
  }

  /** How far it is: "in sync, switching", "resync 2/4 snippets, 2.0 MiB sent" or "waiting for the primary's resync". */
  String state() {
    if (inSync) {
      return "in sync, switching";
    }
    if (progress == null) {
      return "waiting for the primary's resync";
    }
    return "resync " + progress.snippetsDone() + "/" + progress.snippetsTotal() + " snippets, "
        + ByteSize.format(progress.bytesCopied()) + " sent";
  }

  /** The whole line: "dr stripe 5 (4 snippets) n1 -> n2: resync 2/4 snippets, 2.0 MiB sent; since ... (35 s)". */
  String line(long nowMillis) {
    return text().replace(" " + from + " -> ", " (" + snippets + (snippets == 1 ? " snippet) " : " snippets) ") + from
        + " -> ") + ": " + state() + "; since " + started + " (" + Math.max(0, (nowMillis - startedEpochMillis) / 1000)
        + " s)";
  }
}
