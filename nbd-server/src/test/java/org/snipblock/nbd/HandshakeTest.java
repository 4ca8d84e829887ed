package org.snipblock.nbd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.snipblock.nbd.WireWriter.clientFlags;
import static org.snipblock.nbd.WireWriter.info;
import static org.snipblock.nbd.WireWriter.metaContext;
import static org.snipblock.nbd.WireWriter.option;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslHandler;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.block.MemoryBlockDevice;
import org.snipblock.block.MemoryCatalog;
import org.snipblock.nbd.WireReader.OptionReply;
import org.snipblock.nbd.handshake.HandshakeHandler;
import org.snipblock.nbd.handshake.OptionDecoder;
import org.snipblock.nbd.handshake.ServerContext;
import org.snipblock.nbd.protocol.Nbd;
import org.snipblock.nbd.transmission.TransmissionHandler;

/** Option haggling, option by option, including what a broken or hostile client sends. */
class HandshakeTest {
  private static final long SIZE = 1 << 20;

  private final MemoryCatalog catalog = new MemoryCatalog()
      .add(new MemoryBlockDevice("vol", SIZE, 512, false))
      .add(new MemoryBlockDevice("other", SIZE, 4096, false));
  private final AtomicBoolean closing = new AtomicBoolean();
  private NbdServerConfig config = NbdServerConfig.plain("127.0.0.1", 0).withExportPolicies(
      ExportPolicies.of(Map.of(
          "other", ExportPolicy.OPEN.withReadOnly(true).withDescription("the other one"),
          "fenced", ExportPolicy.OPEN.withAllowedAddresses(List.of("10.0.0.0/8"))),
          ExportPolicy.OPEN));
  private EmbeddedChannel ch;
  private WireReader in;

  private void connect(int flags) {
    ch = new EmbeddedChannel();
    ch.pipeline().addLast(HandshakeHandler.OPTION_DECODER, new OptionDecoder());
    ch.pipeline().addLast(HandshakeHandler.HANDSHAKE, new HandshakeHandler(new ServerContext(
        config, catalog, config.tlsMode() == TlsMode.OFF ? null : sslContext(), closing)));
    in = new WireReader(ch);
    ByteBuf greeting = in.bytes(18);
    assertThat(greeting.readLong()).isEqualTo(Nbd.NBDMAGIC);
    assertThat(greeting.readLong()).isEqualTo(Nbd.IHAVEOPT);
    assertThat(greeting.readUnsignedShort()).isEqualTo(Nbd.FLAG_FIXED_NEWSTYLE | Nbd.FLAG_NO_ZEROES);
    ch.writeInbound(clientFlags(flags));
  }

  private void connect() {
    connect(Nbd.FLAG_C_FIXED_NEWSTYLE | Nbd.FLAG_C_NO_ZEROES);
  }

  private OptionReply send(ByteBuf option) {
    ch.writeInbound(option);
    return in.optionReply();
  }

  @TempDir static Path dir;
  private static TestPki pki;

  private io.netty.handler.ssl.SslContext sslContext() {
    try {
      if (pki == null) {
        pki = new TestPki(dir); // RSA keys are slow to make: one PKI for the class
      }
      config = config.withTls(config.tlsMode(), pki.serverCert, pki.serverKey, pki.caFile);
      return io.netty.handler.ssl.SslContextBuilder
          .forServer(pki.serverCert.toFile(), pki.serverKey.toFile()).build();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void oldOrUnknownClientFlagsAreRefused() {
    connect(0);
    assertThat(ch.isOpen()).isFalse();
    connect(Nbd.FLAG_C_FIXED_NEWSTYLE | 0x100);
    assertThat(ch.isOpen()).isFalse();
  }

  @Test
  void unknownOptionIsUnsupportedAndHagglingGoesOn() {
    connect();
    OptionReply r = send(option(99));
    assertThat(r.option()).isEqualTo(99);
    assertThat(r.type()).isEqualTo(Nbd.REP_ERR_UNSUP);
    assertThat(send(option(Nbd.OPT_STRUCTURED_REPLY)).type()).isEqualTo(Nbd.REP_ACK);
  }

  @Test
  void listNamesEveryExportThenAcks() {
    connect();
    OptionReply first = send(option(Nbd.OPT_LIST));
    OptionReply second = in.optionReply();
    OptionReply ack = in.optionReply();
    assertThat(first.type()).isEqualTo(Nbd.REP_SERVER);
    assertThat(first.text().substring(4)).isEqualTo("other");
    assertThat(second.text().substring(4)).isEqualTo("vol");
    assertThat(ack.type()).isEqualTo(Nbd.REP_ACK);
  }

  @Test
  void optionsThatTakeNoDataRefuseData() {
    connect();
    ByteBuf junk = Unpooled.wrappedBuffer(new byte[] {1, 2, 3});
    assertThat(send(option(Nbd.OPT_LIST, junk.copy())).type()).isEqualTo(Nbd.REP_ERR_INVALID);
    assertThat(send(option(Nbd.OPT_STRUCTURED_REPLY, junk.copy())).type()).isEqualTo(Nbd.REP_ERR_INVALID);
    assertThat(send(option(Nbd.OPT_STARTTLS, junk.copy())).type()).isEqualTo(Nbd.REP_ERR_INVALID);
    assertThat(ch.isOpen()).isTrue();
  }

  @Test
  void infoDescribesTheExportAndStaysInHaggling() {
    connect();
    send(option(Nbd.OPT_STRUCTURED_REPLY));
    ch.writeInbound(option(Nbd.OPT_INFO,
        info("other", Nbd.INFO_NAME, Nbd.INFO_DESCRIPTION, Nbd.INFO_BLOCK_SIZE)));
    ByteBuf export = Unpooled.wrappedBuffer(in.optionReply().data());
    assertThat(export.readUnsignedShort()).isEqualTo(Nbd.INFO_EXPORT);
    assertThat(export.readLong()).isEqualTo(SIZE);
    int flags = export.readUnsignedShort();
    assertThat(flags & Nbd.FLAG_READ_ONLY).isNotZero();
    assertThat(flags & (Nbd.FLAG_SEND_TRIM | Nbd.FLAG_SEND_WRITE_ZEROES)).isZero();
    assertThat(flags & (Nbd.FLAG_HAS_FLAGS | Nbd.FLAG_SEND_FLUSH | Nbd.FLAG_SEND_FUA
        | Nbd.FLAG_CAN_MULTI_CONN | Nbd.FLAG_SEND_CACHE | Nbd.FLAG_SEND_DF))
        .isEqualTo(Nbd.FLAG_HAS_FLAGS | Nbd.FLAG_SEND_FLUSH | Nbd.FLAG_SEND_FUA
            | Nbd.FLAG_CAN_MULTI_CONN | Nbd.FLAG_SEND_CACHE | Nbd.FLAG_SEND_DF);
    assertThat(in.optionReply().text().substring(2)).isEqualTo("other");
    assertThat(in.optionReply().text().substring(2)).isEqualTo("the other one");
    ByteBuf block = Unpooled.wrappedBuffer(in.optionReply().data());
    assertThat(block.readUnsignedShort()).isEqualTo(Nbd.INFO_BLOCK_SIZE);
    assertThat(block.readInt()).isEqualTo(4096);
    assertThat(block.readInt()).isEqualTo(4096);
    assertThat(block.readInt()).isEqualTo(NbdServerConfig.DEFAULT_MAX_REQUEST_SIZE);
    assertThat(in.optionReply().type()).isEqualTo(Nbd.REP_ACK);
    assertThat(ch.pipeline().get(HandshakeHandler.class)).isNotNull();
  }

  @Test
  void writableExportAdvertisesWriteFeatures() {
    connect();
    ch.writeInbound(option(Nbd.OPT_INFO, info("vol")));
    ByteBuf export = Unpooled.wrappedBuffer(in.optionReply().data());
    export.skipBytes(10);
    int flags = export.readUnsignedShort();
    assertThat(flags).isEqualTo(Nbd.FLAG_HAS_FLAGS | Nbd.FLAG_SEND_FLUSH | Nbd.FLAG_SEND_FUA
        | Nbd.FLAG_CAN_MULTI_CONN | Nbd.FLAG_SEND_CACHE | Nbd.FLAG_SEND_TRIM
        | Nbd.FLAG_SEND_WRITE_ZEROES | Nbd.FLAG_SEND_FAST_ZERO); // no DF: no structured replies
  }

  @Test
  void infoErrors() {
    connect();
    assertThat(send(option(Nbd.OPT_INFO, info("nope"))).type()).isEqualTo(Nbd.REP_ERR_UNKNOWN);
    // Name length pointing past the data.
    ByteBuf lying = Unpooled.buffer().writeInt(100).writeBytes("vol".getBytes(StandardCharsets.UTF_8));
    assertThat(send(option(Nbd.OPT_INFO, lying)).type()).isEqualTo(Nbd.REP_ERR_INVALID);
    // Request count promising more than is there.
    ByteBuf shortInfos = WireWriter.string("vol").writeShort(3).writeShort(Nbd.INFO_NAME);
    assertThat(send(option(Nbd.OPT_GO, shortInfos)).type()).isEqualTo(Nbd.REP_ERR_INVALID);
    // Not UTF-8.
    ByteBuf badName = Unpooled.buffer().writeInt(2).writeByte(0xc3).writeByte(0x28).writeShort(0);
    assertThat(send(option(Nbd.OPT_GO, badName)).type()).isEqualTo(Nbd.REP_ERR_INVALID);
    // The policy's allow-list does not admit this client.
    catalog.add(new MemoryBlockDevice("fenced", SIZE, 512, false));
    OptionReply refused = send(option(Nbd.OPT_GO, info("fenced")));
    assertThat(refused.type()).isEqualTo(Nbd.REP_ERR_POLICY);
    assertThat(refused.text()).contains("not allowed");
    assertThat(ch.isOpen()).isTrue();
  }

  @Test
  void emptyNameIsTheDefaultExportOnlyWhenThereIsOne() {
    connect();
    assertThat(send(option(Nbd.OPT_INFO, info(""))).type()).isEqualTo(Nbd.REP_ERR_UNKNOWN);
  }

  @Test
  void goEntersTransmission() {
    connect();
    ch.writeInbound(option(Nbd.OPT_GO, info("vol")));
    assertThat(in.optionReply().type()).isEqualTo(Nbd.REP_INFO);
    assertThat(in.optionReply().type()).isEqualTo(Nbd.REP_INFO);
    assertThat(in.optionReply().type()).isEqualTo(Nbd.REP_ACK);
    assertThat(ch.pipeline().get(TransmissionHandler.class)).isNotNull();
    assertThat(ch.pipeline().get(HandshakeHandler.class)).isNull();
    ch.writeInbound(WireWriter.request(0, Nbd.CMD_READ, 7, 0, 512));
    WireReader.Reply r = in.simpleReply(512);
    assertThat(r.cookie()).isEqualTo(7);
    assertThat(r.error()).isZero();
  }

  @Test
  void requestsSentRightBehindGoAreServed() {
    connect();
    ByteBuf both = Unpooled.buffer();
    both.writeBytes(option(Nbd.OPT_GO, info("vol")));
    both.writeBytes(WireWriter.request(0, Nbd.CMD_FLUSH, 9, 0, 0));
    ch.writeInbound(both);
    in.optionReply();
    in.optionReply();
    in.optionReply();
    assertThat(in.simpleReply(0).cookie()).isEqualTo(9);
  }

  @Test
  void exportNameEntersTransmissionWithOrWithoutZeroes() {
    connect();
    ch.writeInbound(option(Nbd.OPT_EXPORT_NAME, Unpooled.copiedBuffer("vol", StandardCharsets.UTF_8)));
    ByteBuf reply = in.bytes(10);
    assertThat(reply.readLong()).isEqualTo(SIZE);
    assertThat(in.available()).isZero();
    assertThat(ch.pipeline().get(TransmissionHandler.class)).isNotNull();

    connect(Nbd.FLAG_C_FIXED_NEWSTYLE);
    ch.writeInbound(option(Nbd.OPT_EXPORT_NAME, Unpooled.copiedBuffer("vol", StandardCharsets.UTF_8)));
    assertThat(in.bytes(134).readableBytes()).isEqualTo(134);
  }

  @Test
  void exportNameOfUnknownExportDisconnects() {
    connect();
    ch.writeInbound(option(Nbd.OPT_EXPORT_NAME, Unpooled.copiedBuffer("nope", StandardCharsets.UTF_8)));
    assertThat(ch.isOpen()).isFalse();
  }

  @Test
  void abortIsAcknowledgedThenClosed() {
    connect();
    assertThat(send(option(Nbd.OPT_ABORT)).type()).isEqualTo(Nbd.REP_ACK);
    assertThat(ch.isOpen()).isFalse();
  }

  @Test
  void badOptionMagicDisconnects() {
    connect();
    ch.writeInbound(Unpooled.buffer().writeLong(0x1234).writeInt(3).writeInt(0));
    assertThat(ch.isOpen()).isFalse();
  }

  @Test
  void hugeOptionIsSkippedWithoutBufferingAndRefused() {
    connect();
    int length = 3 * OptionDecoder.MAX_OPTION_DATA;
    ch.writeInbound(Unpooled.buffer().writeLong(Nbd.IHAVEOPT).writeInt(Nbd.OPT_GO).writeInt(length));
    for (int i = 0; i < 3; i++) {
      ch.writeInbound(Unpooled.wrappedBuffer(new byte[OptionDecoder.MAX_OPTION_DATA]));
    }
    OptionReply r = in.optionReply();
    assertThat(r.option()).isEqualTo(Nbd.OPT_GO);
    assertThat(r.type()).isEqualTo(Nbd.REP_ERR_INVALID);
    assertThat(send(option(Nbd.OPT_STRUCTURED_REPLY)).type()).isEqualTo(Nbd.REP_ACK);
  }

  @Test
  void metaContextsNeedStructuredRepliesAndKnowBaseAllocation() {
    connect();
    assertThat(send(option(Nbd.OPT_LIST_META_CONTEXT, metaContext("vol"))).type())
        .isEqualTo(Nbd.REP_ERR_INVALID);
    send(option(Nbd.OPT_STRUCTURED_REPLY));

    OptionReply listed = send(option(Nbd.OPT_LIST_META_CONTEXT, metaContext("vol")));
    assertThat(listed.type()).isEqualTo(Nbd.REP_META_CONTEXT);
    assertThat(listed.text().substring(4)).isEqualTo("base:allocation");
    assertThat(in.optionReply().type()).isEqualTo(Nbd.REP_ACK);

    assertThat(send(option(Nbd.OPT_SET_META_CONTEXT, metaContext("vol", "x-other:thing"))).type())
        .isEqualTo(Nbd.REP_ACK);
    assertThat(send(option(Nbd.OPT_SET_META_CONTEXT, metaContext("nope", "base:allocation"))).type())
        .isEqualTo(Nbd.REP_ERR_UNKNOWN);
    ByteBuf lying = WireWriter.string("vol").writeInt(5).writeBytes(WireWriter.string("base:"));
    assertThat(send(option(Nbd.OPT_SET_META_CONTEXT, lying)).type()).isEqualTo(Nbd.REP_ERR_INVALID);

    OptionReply set = send(option(Nbd.OPT_SET_META_CONTEXT, metaContext("vol", "base:")));
    assertThat(set.type()).isEqualTo(Nbd.REP_META_CONTEXT);
    ByteBuf body = Unpooled.wrappedBuffer(set.data());
    assertThat(body.readInt()).isNotZero();
    assertThat(in.optionReply().type()).isEqualTo(Nbd.REP_ACK);
  }

  /** The contexts of a LIST or SET reply, by name, with their ids; the ACK after them is read too. */
  private Map<String, Integer> contexts(ByteBuf option) {
    Map<String, Integer> out = new java.util.LinkedHashMap<>();
    OptionReply r;
    while ((r = send(option)).type() == Nbd.REP_META_CONTEXT) {
      ByteBuf body = Unpooled.wrappedBuffer(r.data());
      int id = body.readInt();
      out.put(body.toString(StandardCharsets.UTF_8), id);
      option = Unpooled.EMPTY_BUFFER;
    }
    assertThat(r.type()).isEqualTo(Nbd.REP_ACK);
    return out;
  }

  @Test
  void changedBlockContextsAreListedPerSnapshot() {
    catalog.add(new TrackedDevice("tracked", SIZE, Map.of("s1", List.of(), "s2", List.of())));
    connect();
    send(option(Nbd.OPT_STRUCTURED_REPLY));
    assertThat(contexts(option(Nbd.OPT_LIST_META_CONTEXT, metaContext("tracked"))).keySet())
        .containsExactly("base:allocation", "snipblock:changed:s1", "snipblock:changed:s2");
    assertThat(contexts(option(Nbd.OPT_LIST_META_CONTEXT, metaContext("tracked", "snipblock:changed:"))).keySet())
        .containsExactly("snipblock:changed:s1", "snipblock:changed:s2");
    assertThat(contexts(option(Nbd.OPT_LIST_META_CONTEXT, metaContext("tracked", "snipblock:"))).keySet())
        .containsExactly("snipblock:changed:s1", "snipblock:changed:s2");
    assertThat(contexts(option(Nbd.OPT_LIST_META_CONTEXT, metaContext("tracked", "snipblock:changed:s2"))))
        .containsExactly(Map.entry("snipblock:changed:s2", 0));
    // A device without snapshots offers none.
    assertThat(contexts(option(Nbd.OPT_LIST_META_CONTEXT, metaContext("vol", "snipblock:changed:"))))
        .isEmpty();
  }

  @Test
  void malformedOrUnknownChangedContextNamesAreNotOffered() {
    catalog.add(new TrackedDevice("tracked", SIZE, Map.of("s1", List.of(), "s2", List.of())));
    connect();
    send(option(Nbd.OPT_STRUCTURED_REPLY));
    Map<String, Integer> set = contexts(option(Nbd.OPT_SET_META_CONTEXT, metaContext("tracked",
        "snipblock:changed:s1", "snipblock:changed:nope", "snipblock:changed:", "snipblock:changed:s1:x",
        "snipblock:changed", "snipblock:", "snipblock:changed:s1 ", "SNIPBLOCK:changed:s1", ":", "",
        "snipblock:changed:" + "x".repeat(4000), "base:allocation", "snipblock:changed:s1")));
    // A prefix lists but never selects; each context is selected once, with distinct ids.
    assertThat(set.keySet()).containsExactly("snipblock:changed:s1", "base:allocation");
    assertThat(set.values()).doesNotHaveDuplicates().doesNotContain(0);
    assertThat(contexts(option(Nbd.OPT_SET_META_CONTEXT, metaContext("vol", "snipblock:changed:s1")))).isEmpty();
    assertThat(send(option(Nbd.OPT_SET_META_CONTEXT, metaContext("nope", "snipblock:changed:s1"))).type())
        .isEqualTo(Nbd.REP_ERR_UNKNOWN);
    assertThat(ch.isOpen()).isTrue();
  }

  @Test
  void startTlsIsRefusedByPolicyWhenTlsIsOff() {
    connect();
    assertThat(send(option(Nbd.OPT_STARTTLS)).type()).isEqualTo(Nbd.REP_ERR_POLICY);
  }

  @Test
  void requiredTlsRefusesEverythingButStartTls() {
    config = config.withTls(TlsMode.REQUIRED, Path.of("x"), Path.of("y"), null);
    connect();
    assertThat(send(option(Nbd.OPT_LIST)).type()).isEqualTo(Nbd.REP_ERR_TLS_REQD);
    assertThat(send(option(Nbd.OPT_GO, info("vol"))).type()).isEqualTo(Nbd.REP_ERR_TLS_REQD);
    assertThat(send(option(Nbd.OPT_STRUCTURED_REPLY)).type()).isEqualTo(Nbd.REP_ERR_TLS_REQD);
    assertThat(send(option(Nbd.OPT_STARTTLS)).type()).isEqualTo(Nbd.REP_ACK);
    assertThat(ch.pipeline().first()).isInstanceOf(SslHandler.class);
  }

  @Test
  void requiredTlsDisconnectsPlainExportName() {
    config = config.withTls(TlsMode.REQUIRED, Path.of("x"), Path.of("y"), null);
    connect();
    ch.writeInbound(option(Nbd.OPT_EXPORT_NAME, Unpooled.copiedBuffer("vol", StandardCharsets.UTF_8)));
    assertThat(ch.isOpen()).isFalse();
  }

  @Test
  void shuttingDownServerRefusesOptions() {
    connect();
    closing.set(true);
    assertThat(send(option(Nbd.OPT_GO, info("vol"))).type()).isEqualTo(Nbd.REP_ERR_SHUTDOWN);
  }
}
