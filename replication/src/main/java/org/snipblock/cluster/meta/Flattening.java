package org.snipblock.cluster.meta;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.snipblock.cluster.proto.MetaCommand;
import org.snipblock.cluster.proto.MetaResult;
import org.snipblock.cluster.proto.SnippetPlacement;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.store.VolumeAdminException.Reason;

/**
 * A clone's link to its parent in the metadata: flattening it (every holder copies what its copy
 * still reads from its own copy of the parent and reports; the last report drops the link, after
 * which the parent's snapshot may be deleted), and the holders whose copy shares nothing with the
 * parent (made in full: they lacked the parent's snapshot).
 */
public final class Flattening {
  private Flattening() {}

  /**
   * Applies FlattenClone, CloneFlattened or CopyUnshared.
   *
   * @param volumes the records by name (null: none)
   * @param store   stores a changed record, answering with it
   */
  public static MetaResult apply(MetaCommand cmd, Function<String, VolumeRecord> volumes,
      Function<VolumeRecord, MetaResult> store) {
    String name = switch (cmd.getCommandCase()) {
      case FLATTEN_CLONE -> cmd.getFlattenClone().getName();
      case CLONE_FLATTENED -> cmd.getCloneFlattened().getName();
      case COPY_UNSHARED -> cmd.getCopyUnshared().getName();
      default -> throw new IllegalArgumentException("not a flatten command: " + cmd.getCommandCase());
    };
    VolumeRecord v = volumes.apply(name);
    if (v == null) {
      return refuse(Reason.NOT_FOUND, "no volume named " + name);
    }
    return switch (cmd.getCommandCase()) {
      case FLATTEN_CLONE -> {
        if (v.getParent().isEmpty()) {
          yield refuse(Reason.FAILED_PRECONDITION, "volume " + name + " is not a clone: it reads from no parent");
        }
        if (v.getFlattening()) {
          yield refuse(Reason.FAILED_PRECONDITION, "volume " + name + " is being flattened already (waiting for "
              + String.join(", ", waitingFor(v)) + ")");
        }
        yield store.apply(v.toBuilder().setFlattening(true).clearFlattened().build());
      }
      case CLONE_FLATTENED -> {
        String node = cmd.getCloneFlattened().getNode();
        if (!v.getFlattening()) {
          yield ok(v);
        }
        // Sent again (by the primary) when a holder that had not reported has gone from the record.
        VolumeRecord done = v.getFlattenedList().contains(node) ? v : v.toBuilder().addFlattened(node).build();
        yield waitingFor(done).isEmpty() ? store.apply(unlinked(done)) : done == v ? ok(v) : store.apply(done);
      }
      default -> {
        String node = cmd.getCopyUnshared().getNode();
        yield v.getParent().isEmpty() || v.getUnsharedList().contains(node) ? ok(v)
            : store.apply(v.toBuilder().addUnshared(node).build());
      }
    };
  }

  /** The holders of a clone being flattened that have not reported yet, sorted (empty when not flattening). */
  public static List<String> waitingFor(VolumeRecord v) {
    if (!v.getFlattening()) {
      return List.of();
    }
    Set<String> out = holders(v);
    v.getFlattenedList().forEach(out::remove);
    return List.copyOf(out);
  }

  /** The holders whose copy of a clone shares nothing with its parent, that still hold one, sorted. */
  public static List<String> unshared(VolumeRecord v) {
    Set<String> holders = holders(v);
    return v.getUnsharedList().stream().filter(holders::contains).sorted().toList();
  }

  private static Set<String> holders(VolumeRecord v) {
    Set<String> out = new TreeSet<>();
    for (SnippetPlacement s : v.getSnippetsList()) {
      out.addAll(s.getNodesList());
    }
    return out;
  }

  private static VolumeRecord unlinked(VolumeRecord v) {
    return v.toBuilder().clearParent().clearParentSnapshot().clearParentUid().clearFlattening().clearFlattened()
        .clearUnshared().build();
  }

  private static MetaResult ok(VolumeRecord v) {
    return MetaResult.newBuilder().setOk(true).setVolume(v).build();
  }

  private static MetaResult refuse(Reason reason, String message) {
    return MetaResult.newBuilder().setOk(false).setReason(reason.name()).setError(message).build();
  }
}
