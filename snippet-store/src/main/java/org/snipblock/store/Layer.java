package org.snipblock.store;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/**
 * One layer of chunk versions. A volume reads through a chain of layers, newest first: its live
 * layer (the only one written), then the layers frozen by its snapshots, then, for a clone, the
 * parent's snapshot layer and everything below it. A chunk's version is the one in the first layer
 * of the chain that has one; a tombstone ({@link AllocationMap#TRIMMED}) ends the search as zeroes.
 *
 * <p>Chunks are stored under (layer id, chunk), so a snapshot costs one record and a clone one
 * record plus its labels, whatever the size of the volume; the first write of a chunk after a
 * snapshot lands in the new live layer and copies nothing (redirect on write). A plain volume's
 * single layer has the volume's own id and needs no record, which is also how stores written before
 * layers existed read.
 */
final class Layer {
  static final int FORMAT = 1;
  /** The order a volume's layers are listed in: by creation, ties by id. */
  static final java.util.Comparator<Layer> OLDEST_FIRST =
      java.util.Comparator.comparingLong(Layer::createdMillis).thenComparingLong(l -> l.id);

  final long id;
  /** The volume whose snapshot or live layer this is. */
  final long owner;
  final AllocationMap map;
  /** The layer below, or null at the bottom; changes when a snapshot below is deleted. */
  private volatile Layer parent;
  /** The snapshot's name, or null for a live layer; set once, when a snapshot freezes the layer. */
  private volatile String snapshot;
  private volatile long createdMillis;
  /**
   * For a snapshot made by importing a stream: the id of the snapshot it reproduces on the node it
   * was exported from, so an incremental stream can check it lands on the right base; else 0.
   */
  private volatile long origin;
  /** Set once the layer is gone (snapshot deleted, volume deleted or rolled back). */
  private volatile boolean dropped;

  Layer(long id, long owner, Layer parent, String snapshot, long createdMillis, int snippetSize) {
    this.id = id;
    this.owner = owner;
    this.parent = parent;
    this.snapshot = snapshot;
    this.createdMillis = createdMillis;
    this.map = new AllocationMap(snippetSize);
  }

  Layer parent() {
    return parent;
  }

  void parent(Layer p) {
    parent = p;
  }

  String snapshot() {
    return snapshot;
  }

  long createdMillis() {
    return createdMillis;
  }

  boolean dropped() {
    return dropped;
  }

  void drop() {
    dropped = true;
  }

  long origin() {
    return origin;
  }

  void origin(long o) {
    origin = o;
  }

  /** Turns the live layer into a snapshot: from now on nothing writes to it. */
  void freeze(String name, long millis, long originId) {
    snapshot = name;
    createdMillis = millis;
    origin = originId;
  }

  /**
   * The layer whose version of {@code chunk} this view sees (its state in that layer's map is not
   * HOLE), or null when no layer of the chain has one.
   */
  Layer find(long chunk) {
    for (Layer l = this; l != null; l = l.parent) {
      if (l.map.state(chunk) != AllocationMap.HOLE) {
        return l;
      }
    }
    return null;
  }

  /** The state a read of {@code chunk} through this view meets: HOLE when nothing holds it. */
  int resolvedState(long chunk) {
    Layer l = find(chunk);
    return l == null ? AllocationMap.HOLE : l.map.state(chunk);
  }

  /** True if this layer or one below it holds a version or tombstone in the snippet. */
  boolean touchesDownward(long snippet) {
    for (Layer l = this; l != null; l = l.parent) {
      if (l.map.hasSnippet(snippet)) {
        return true;
      }
    }
    return false;
  }

  /** True if no layer but this one takes part in reads. */
  boolean alone() {
    return parent == null;
  }

  /** This layer's record as it stands (a dropped layer still here is a snapshot being merged away). */
  Record record() {
    Kind kind = dropped ? Kind.DELETING : snapshot == null ? Kind.LIVE : Kind.SNAPSHOT;
    return new Record(id, owner, parent == null ? 0 : parent.id, kind, snapshot, createdMillis, origin);
  }

  /** What a layer is on record; DELETING marks a snapshot whose chunks are being merged away. */
  enum Kind { LIVE, SNAPSHOT, DELETING }

  /**
   * A layer's record in {@code Space.LAYERS}, sealed with CRC32C; the parent is an id, linked once
   * every record is read.
   */
  record Record(long id, long owner, long parentId, Kind kind, String snapshot, long createdMillis, long origin) {
    Record withKind(Kind k) {
      return new Record(id, owner, parentId, k, snapshot, createdMillis, origin);
    }

    Record withParent(long p) {
      return new Record(id, owner, p, kind, snapshot, createdMillis, origin);
    }

    /**
     * True for the layer every volume starts with (its own id, live, nothing below): it reads the
     * same with a record or without one, so a volume that has only it needs no record.
     */
    boolean plain() {
      return id == owner && kind == Kind.LIVE && parentId == 0;
    }

    byte[] encode() {
      ByteArrayOutputStream bos = new ByteArrayOutputStream(64);
      try (DataOutputStream out = new DataOutputStream(bos)) {
        out.writeByte(FORMAT);
        out.writeLong(id);
        out.writeLong(owner);
        writeTail(out);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
      return Crc32cFrame.seal(bos.toByteArray());
    }

    static Record decode(byte[] sealed) {
      byte[] body = Crc32cFrame.open(sealed, "layer record");
      try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(body))) {
        int format = in.readUnsignedByte();
        if (format != FORMAT) {
          throw new IllegalArgumentException("unknown layer record format " + format);
        }
        long id = in.readLong();
        return readTail(in, id, in.readLong());
      } catch (IOException e) {
        throw new IllegalArgumentException("truncated layer record", e);
      }
    }

    /** The fields after id and owner, as a record and a head label ({@link SnippetLabel}) store them. */
    void writeTail(DataOutputStream out) throws IOException {
      out.writeLong(parentId);
      out.writeByte(kind.ordinal());
      out.writeUTF(snapshot == null ? "" : snapshot);
      out.writeLong(createdMillis);
      out.writeLong(origin);
    }

    static Record readTail(DataInputStream in, long id, long owner) throws IOException {
      long parent = in.readLong();
      int kind = in.readUnsignedByte();
      if (kind >= Kind.values().length) {
        throw new IllegalArgumentException("unknown layer kind " + kind);
      }
      String name = in.readUTF();
      long created = in.readLong();
      return new Record(id, owner, parent, Kind.values()[kind], name.isEmpty() ? null : name, created, in.readLong());
    }
  }

  @Override
  public String toString() {
    return "layer " + id + (snapshot == null ? " (live)" : " (snapshot " + snapshot + ")");
  }
}
