package org.snipblock.cluster.meta;

import java.util.List;
import org.snipblock.cluster.proto.SnippetPlacement;
import org.snipblock.cluster.proto.VolumeRecord;

/**
 * Sync/async per snippet: a snippet follows its volume's mode unless its placement stripe carries
 * its own (an override, e.g. while a migration moves it), and changing that.
 */
public final class SnippetModes {
  public static final String SYNC = "sync";
  public static final String ASYNC = "async";

  private SnippetModes() {}

  /** The mode snippet {@code index} is replicated in: its stripe's override, or the volume's mode. */
  public static String effective(VolumeRecord v, long index) {
    String own = v.getSnippetsCount() == 0 ? "" : Stripes.at(v, index).getMode();
    return own.isEmpty() ? v.getMode() : own;
  }

  /** True if some snippet of the volume is replicated in {@code mode}. */
  public static boolean any(VolumeRecord v, String mode) {
    if (v.getMode().equals(mode)) {
      return v.getSnippetsList().stream().anyMatch(s -> s.getMode().isEmpty() || s.getMode().equals(mode));
    }
    return v.getSnippetsList().stream().anyMatch(s -> s.getMode().equals(mode));
  }

  static boolean valid(String mode) {
    return SYNC.equals(mode) || ASYNC.equals(mode);
  }

  /** Sets ({@code mode} sync|async) or clears ({@code mode} "") the override of the given stripes. */
  static VolumeRecord override(VolumeRecord v, String mode, List<Long> stripes) {
    VolumeRecord.Builder b = v.toBuilder();
    for (long i : stripes) {
      SnippetPlacement s = b.getSnippets((int) i);
      b.setSnippets((int) i, s.toBuilder().setMode(mode));
    }
    return b.build();
  }
}
