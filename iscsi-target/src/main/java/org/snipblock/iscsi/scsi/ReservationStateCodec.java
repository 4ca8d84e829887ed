package org.snipblock.iscsi.scsi;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.snipblock.iscsi.scsi.PersistentReservations.State;

/**
 * The bytes of a logical unit's shared reservation state: the reservations, and the unit
 * attentions the latest changes raised, each with the version that raised it, so a node that
 * skipped versions still tells its own nexuses of every change since the one it had.
 */
final class ReservationStateCodec {
  /** 2 adds APTPL; 1 (without it) is still read. */
  private static final int FORMAT = 2;
  /** Attentions of this many latest versions are kept: a node further behind loses the older ones. */
  static final int KEPT_VERSIONS = 32;
  private static final int MAX_ENTRIES = 1 << 16;

  /** A unit attention a change raised, for the node that has the nexus; a null nexus: every nexus of every node. */
  record Attention(long version, ItNexus nexus, Sense sense) {}

  record Decoded(State state, List<Attention> attentions) {}

  private ReservationStateCodec() {}

  static byte[] encode(State state, List<Attention> attentions) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(FORMAT);
      out.writeBoolean(state.aptpl());
      out.writeInt(state.generation());
      out.writeByte(state.type() == null ? 0 : state.type().code);
      List<ItNexus> nexuses = new ArrayList<>(state.registrations().keySet());
      out.writeInt(state.holder() == null ? -1 : nexuses.indexOf(state.holder()));
      out.writeInt(nexuses.size());
      for (ItNexus n : nexuses) {
        writeNexus(out, n);
        out.writeLong(state.registrations().get(n));
      }
      out.writeInt(attentions.size());
      for (Attention a : attentions) {
        out.writeLong(a.version());
        out.writeBoolean(a.nexus() == null);
        if (a.nexus() != null) {
          writeNexus(out, a.nexus());
        }
        out.writeByte(a.sense().key());
        out.writeByte(a.sense().asc());
        out.writeByte(a.sense().ascq());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a byte array does not fail
    }
    return bytes.toByteArray();
  }

  /**
   * No bytes are no state: what the cluster leaves when it drops a state at a power loss.
   *
   * @throws IllegalArgumentException if the bytes are not a state this codec wrote
   */
  static Decoded decode(byte[] b) {
    if (b.length == 0) {
      return new Decoded(State.NONE, List.of());
    }
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(b))) {
      int format = in.readUnsignedByte();
      if (format != FORMAT && format != 1) {
        throw new IllegalArgumentException("unknown reservation state format " + format);
      }
      boolean aptpl = format >= 2 && in.readBoolean();
      int generation = in.readInt();
      int code = in.readUnsignedByte();
      ReservationType type = code == 0 ? null : ReservationType.of(code);
      if (code != 0 && type == null) {
        throw new IllegalArgumentException("unknown reservation type " + code);
      }
      int holderIndex = in.readInt();
      int count = count(in.readInt());
      Map<ItNexus, Long> registrations = new LinkedHashMap<>();
      List<ItNexus> order = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        ItNexus n = readNexus(in);
        registrations.put(n, in.readLong());
        order.add(n);
      }
      if (holderIndex < -1 || holderIndex >= order.size()) {
        throw new IllegalArgumentException("holder " + holderIndex + " of " + order.size() + " registrations");
      }
      ItNexus holder = holderIndex < 0 ? null : order.get(holderIndex);
      int events = count(in.readInt());
      List<Attention> attentions = new ArrayList<>();
      for (int i = 0; i < events; i++) {
        long version = in.readLong();
        ItNexus n = in.readBoolean() ? null : readNexus(in);
        attentions.add(new Attention(version, n,
            Sense.of(in.readUnsignedByte(), in.readUnsignedByte(), in.readUnsignedByte())));
      }
      if (in.read() != -1) {
        throw new IllegalArgumentException("trailing bytes after the reservation state");
      }
      return new Decoded(new State(registrations, holder, type, generation, aptpl), attentions);
    } catch (IOException e) {
      throw new IllegalArgumentException("truncated reservation state: " + e.getMessage(), e);
    }
  }

  private static int count(int n) {
    if (n < 0 || n > MAX_ENTRIES) {
      throw new IllegalArgumentException("count " + n + " outside 0.." + MAX_ENTRIES);
    }
    return n;
  }

  private static void writeNexus(DataOutputStream out, ItNexus n) throws IOException {
    out.writeUTF(n.initiatorName());
    out.writeLong(n.isid());
    out.writeUTF(n.targetName());
    out.writeInt(n.tpgt());
  }

  private static ItNexus readNexus(DataInputStream in) throws IOException {
    return new ItNexus(in.readUTF(), in.readLong(), in.readUTF(), in.readInt());
  }
}
