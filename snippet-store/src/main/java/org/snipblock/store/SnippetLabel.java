package org.snipblock.store;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The label every snippet carries: who it is, its neighbours, its volume, where its replicas live.
 * Labels form a doubly linked list per volume and each carries the volume's descriptor, so from
 * any one label the whole volume can be found and its catalog entry rebuilt.
 *
 * <p>The binary form is versioned and sealed with its own CRC32C; other modules (replication)
 * read and rewrite labels through {@link SnippetLabels}, which stores only the labels that say
 * something of their own.
 *
 * @param previous   the snippet before this one, or null for the first
 * @param next       the snippet after this one, or null for the last
 * @param descriptor the volume descriptor this snippet belongs to (its id is the link to the
 *                   catalog entry; the copy makes the label self-describing)
 * @param generation increases by one on every rewrite of the label
 * @param mode       whether the volume's replicas of this snippet are written synchronously
 * @param replicas   where copies live (node ids or locations); empty on a single node
 * @param layers     in a head label (snippet 0): the records of every layer the volume owns
 *                   that needs one (its snapshots with their names, ids, origins and creation
 *                   times, snapshots being deleted, its live layer; for a clone, the bottom layer's
 *                   parent id is the link to the parent's snapshot layer), so a rebuild from labels
 *                   alone gives them back; null in other labels and in head labels written before
 *                   labels carried layers (format 2), whose volumes keep only their records
 */
public record SnippetLabel(
    long volumeId,
    long index,
    SnippetRef previous,
    SnippetRef next,
    VolumeDescriptor descriptor,
    long generation,
    Mode mode,
    List<String> replicas,
    List<Layer.Record> layers) {

  public enum Mode { SYNC, ASYNC }

  /**
   * Label format: 1 had no read-only flag; 2 appends the descriptor's after the replicas; 3 then
   * appends the layers. A label without layers is still written as 2, byte for byte as before.
   */
  static final int FORMAT = 3;
  private static final int FORMAT_WITHOUT_LAYERS = 2;
  /** The most layers a head label holds (its count is two bytes): snapshots beyond are refused. */
  static final int MAX_LAYERS = 0xFFFF;

  public SnippetLabel {
    replicas = List.copyOf(replicas);
    layers = layers == null ? null : List.copyOf(layers);
    if (layers != null) {
      if (layers.size() > MAX_LAYERS) {
        throw new IllegalArgumentException("a head label holds at most " + MAX_LAYERS + " layers, not " + layers.size());
      }
      for (Layer.Record r : layers) {
        if (r.owner() != volumeId) {
          throw new IllegalArgumentException("label of volume " + volumeId + " carries layer " + r.id()
              + " of volume " + r.owner());
        }
      }
    }
    if (descriptor.id() != volumeId) {
      throw new IllegalArgumentException("label of volume " + volumeId + " carries descriptor " + descriptor.id());
    }
  }

  public SnippetRef ref() {
    return new SnippetRef(volumeId, index);
  }

  /** The first label of a fresh volume layout: links follow the snippet order. */
  static SnippetLabel initial(VolumeDescriptor d, long index) {
    return new SnippetLabel(d.id(), index, linkBefore(d, index), linkAfter(d, index), d, 1,
        Mode.SYNC, List.of(), null);
  }

  static SnippetRef linkBefore(VolumeDescriptor d, long index) {
    return index == 0 ? null : new SnippetRef(d.id(), index - 1);
  }

  static SnippetRef linkAfter(VolumeDescriptor d, long index) {
    return index + 1 >= d.snippets() ? null : new SnippetRef(d.id(), index + 1);
  }

  public SnippetLabel withReplicas(List<String> r) {
    return new SnippetLabel(volumeId, index, previous, next, descriptor, generation, mode, r, layers);
  }

  public SnippetLabel withMode(Mode m) {
    return new SnippetLabel(volumeId, index, previous, next, descriptor, generation, m, replicas, layers);
  }

  SnippetLabel relinked(VolumeDescriptor d, long newGeneration) {
    return new SnippetLabel(volumeId, index, linkBefore(d, index), linkAfter(d, index), d,
        newGeneration, mode, replicas, layers);
  }

  SnippetLabel withGeneration(long g) {
    return new SnippetLabel(volumeId, index, previous, next, descriptor, g, mode, replicas, layers);
  }

  /** This label carrying {@code l} (null: none) as the volume's layers. */
  SnippetLabel withLayers(List<Layer.Record> l) {
    return new SnippetLabel(volumeId, index, previous, next, descriptor, generation, mode, replicas, l);
  }

  public byte[] encode() {
    ByteArrayOutputStream bos = new ByteArrayOutputStream(128);
    try (DataOutputStream out = new DataOutputStream(bos)) {
      out.writeByte(layers == null ? FORMAT_WITHOUT_LAYERS : FORMAT);
      out.writeLong(volumeId);
      out.writeLong(index);
      writeRef(out, previous);
      writeRef(out, next);
      descriptor.writeFields(out);
      out.writeLong(generation);
      out.writeByte(mode.ordinal());
      out.writeShort(replicas.size());
      for (String r : replicas) {
        out.writeUTF(r);
      }
      out.writeBoolean(descriptor.readOnly());
      if (layers != null) {
        out.writeShort(layers.size());
        for (Layer.Record r : layers) {
          out.writeLong(r.id());
          r.writeTail(out);
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return Crc32cFrame.seal(bos.toByteArray());
  }

  /** Decodes a label; throws IllegalArgumentException if it is corrupt or of an unknown format. */
  public static SnippetLabel decode(byte[] sealed) {
    byte[] body = Crc32cFrame.open(sealed, "snippet label");
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(body))) {
      int format = in.readUnsignedByte();
      if (format < 1 || format > FORMAT) {
        throw new IllegalArgumentException("unknown snippet label format " + format);
      }
      long volumeId = in.readLong();
      long index = in.readLong();
      SnippetRef prev = readRef(in);
      SnippetRef next = readRef(in);
      VolumeDescriptor d = VolumeDescriptor.readFields(in);
      long generation = in.readLong();
      int mode = in.readUnsignedByte();
      if (mode >= Mode.values().length) {
        throw new IllegalArgumentException("unknown label mode " + mode);
      }
      int n = in.readUnsignedShort();
      List<String> replicas = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        replicas.add(in.readUTF());
      }
      if (format >= 2) {
        d = d.withReadOnly(in.readBoolean());
      }
      List<Layer.Record> layers = null;
      if (format >= 3) {
        int count = in.readUnsignedShort();
        layers = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
          layers.add(Layer.Record.readTail(in, in.readLong(), volumeId));
        }
      }
      if (in.available() > 0) {
        throw new IllegalArgumentException(in.available() + " bytes after the end of a snippet label");
      }
      return new SnippetLabel(volumeId, index, prev, next, d, generation, Mode.values()[mode], replicas, layers);
    } catch (IOException e) {
      throw new IllegalArgumentException("truncated snippet label", e);
    }
  }

  private static void writeRef(DataOutputStream out, SnippetRef r) throws IOException {
    out.writeBoolean(r != null);
    if (r != null) {
      out.writeLong(r.volumeId());
      out.writeLong(r.index());
    }
  }

  private static SnippetRef readRef(DataInputStream in) throws IOException {
    return in.readBoolean() ? new SnippetRef(in.readLong(), in.readLong()) : null;
  }
}
