package org.snipblock.nbd.handshake;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.snipblock.nbd.protocol.Nbd;

/**
 * Which metadata contexts answer a LIST or SET query: base:allocation, and for each snapshot the
 * export can report changes against, {@code snipblock:changed:SNAPSHOT} (dirty since it, with the
 * meaning of QEMU's {@code qemu:dirty-bitmap:NAME}). Queries naming nothing known select nothing,
 * as the protocol asks; a namespace or prefix query lists every context under it but, as in QEMU,
 * selects none (a client must name what it wants to receive).
 */
final class MetaContexts {
  static final String NAMESPACE = "snipblock:";
  static final String CHANGED = NAMESPACE + "changed:";

  private MetaContexts() {}

  /**
   * The full names of the contexts answering, in order, each once.
   *
   * @param snapshots the snapshots the export can report changes against
   */
  static List<String> answer(MetaContextRequest request, boolean list, List<String> snapshots) {
    Set<String> out = new LinkedHashSet<>();
    if (request.queries().isEmpty()) {
      // SET with no queries selects nothing; LIST with none lists everything.
      if (list) {
        out.add(Nbd.BASE_ALLOCATION);
        snapshots.forEach(s -> out.add(CHANGED + s));
      }
      return new ArrayList<>(out);
    }
    for (String q : request.queries()) {
      if (q.equals("base:") || q.equals(Nbd.BASE_ALLOCATION)) {
        out.add(Nbd.BASE_ALLOCATION);
      } else if (q.equals(NAMESPACE) || q.equals(CHANGED)) {
        if (list) {
          snapshots.forEach(s -> out.add(CHANGED + s));
        }
      } else if (q.startsWith(CHANGED) && snapshots.contains(q.substring(CHANGED.length()))) {
        out.add(q);
      }
    }
    return new ArrayList<>(out);
  }
}
