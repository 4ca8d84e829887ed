package org.snipblock.iscsi;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.snipblock.block.MemoryCatalog;
import org.snipblock.iscsi.login.LoginHandler;
import org.snipblock.iscsi.pdu.ConnectionCodecState;
import org.snipblock.iscsi.pdu.Pdu;
import org.snipblock.iscsi.pdu.PduDecoder;
import org.snipblock.iscsi.pdu.PduEncoder;
import org.snipblock.iscsi.session.TargetContext;

/**
 * One target connection on an EmbeddedChannel with the production pipeline, plus a client-side
 * codec to turn bytes back and forth, for codec- and protocol-level tests.
 */
final class IscsiChannelHarness {
  final TargetContext context;
  final ConnectionCodecState serverCodec = new ConnectionCodecState();
  final EmbeddedChannel channel;
  final ConnectionCodecState clientCodec = new ConnectionCodecState();
  private final EmbeddedChannel client;

  IscsiChannelHarness(IscsiTargetConfig config, MemoryCatalog catalog) {
    this(new TargetContext(config, catalog));
  }

  private IscsiChannelHarness(TargetContext context) {
    this.context = context;
    channel = new EmbeddedChannel(new PduDecoder(serverCodec), new PduEncoder(serverCodec),
        new LoginHandler(context, serverCodec));
    clientCodec.enterFullFeaturePhase(false, false, 16777215);
    // The client side: encodes our PDUs, decodes the target's (any length).
    client = new EmbeddedChannel(new PduDecoder(clientCodec), new PduEncoder(clientCodec));
  }

  /** Another connection to the same target (shared sessions and logical units). */
  IscsiChannelHarness sibling() {
    return new IscsiChannelHarness(context);
  }

  /** Sends a PDU as bytes from the initiator and returns every PDU the target answered. */
  List<Pdu> send(Pdu pdu) {
    client.writeOutbound(pdu);
    ByteBuf bytes;
    while ((bytes = client.readOutbound()) != null) {
      sendRaw(bytes);
    }
    return drain();
  }

  /** The PDU as the initiator puts it on the wire, in one buffer of its own (for {@link #sendRaw}). */
  ByteBuf wire(Pdu pdu) {
    EmbeddedChannel encoder = new EmbeddedChannel(new PduEncoder(clientCodec));
    encoder.writeOutbound(pdu);
    ByteBuf encoded = encoder.readOutbound();
    ByteBuf copy = Unpooled.copiedBuffer(encoded);
    encoded.release();
    return copy;
  }

  void sendRaw(ByteBuf bytes) {
    if (!channel.isOpen()) {
      bytes.release();
      return;
    }
    quietly(() -> channel.writeInbound(bytes));
  }

  /** Runs an EmbeddedChannel call, tolerating that the target closed the connection. */
  private void quietly(Runnable r) {
    try {
      r.run();
    } catch (Exception e) { // EmbeddedChannel rethrows checked exceptions undeclared
      if (channel.isOpen() || !(e instanceof java.nio.channels.ClosedChannelException)) {
        throw e instanceof RuntimeException re ? re : new IllegalStateException(e);
      }
    }
  }

  /** Everything the target has written so far, decoded. */
  List<Pdu> drain() {
    quietly(channel::runPendingTasks);
    quietly(channel::flushOutbound);
    List<Pdu> out = new ArrayList<>();
    Object o;
    while ((o = channel.readOutbound()) != null) {
      client.writeInbound(o);
      Pdu p;
      while ((p = client.readInbound()) != null) {
        out.add(detached(p));
      }
    }
    return out;
  }

  /** A received PDU holds a slice of the input; tests keep theirs, so they get a copy. */
  private static Pdu detached(Pdu received) {
    ByteBuffer data = received.data();
    ByteBuffer copy = ByteBuffer.allocate(data.remaining()).put(data.duplicate()).flip();
    Pdu pdu = new Pdu(received.bhs().clone(), received.ahs().clone(), copy);
    received.release();
    return pdu;
  }

  /** Turns digests on for the client side once the login has negotiated them. */
  void clientDigests(boolean header, boolean data) {
    clientCodec.enterFullFeaturePhase(header, data, 16777215);
  }

  /** Logs in to a normal session with the given extra keys; returns the final response. */
  Pdu loginNormal(String target, String... operational) {
    return loginNormalAs("iqn.2026-11.test:harness", target, operational);
  }

  /** As {@link #loginNormal} for another initiator (another I_T nexus to the same target). */
  Pdu loginNormalAs(String initiator, String target, String... operational) {
    List<String> keys = new ArrayList<>(List.of("InitiatorName=" + initiator,
        "SessionType=Normal", "TargetName=" + target, "AuthMethod=None"));
    List<Pdu> r = send(TestPdus.login(0x80 | 0x01, 1, 0, keys.toArray(String[]::new)));
    if (r.size() != 1 || r.get(0).byteAt(36) != 0) {
      throw new AssertionError("security stage failed: " + r);
    }
    r = send(TestPdus.login(0x80 | (1 << 2) | 0x03, 1, 0, operational));
    return r.get(0);
  }
}
