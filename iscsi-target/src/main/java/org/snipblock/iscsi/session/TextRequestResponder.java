package org.snipblock.iscsi.session;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snipblock.iscsi.pdu.Opcode;
import org.snipblock.iscsi.pdu.Pdu;
import org.snipblock.iscsi.pdu.TextKeys;

/**
 * Answers full-feature Text Requests (RFC 7143 section 11.10): SendTargets (appendix C) lists
 * targets with every portal that serves them (in a cluster, one per node, nearest first); every other key is NotUnderstood, since nothing is
 * renegotiable after login here. Requests and answers longer than one PDU are continued
 * (section 11.10.2).
 */
final class TextRequestResponder {
  private static final Logger log = LoggerFactory.getLogger(TextRequestResponder.class);
  private static final int CONTINUE = 0x40;
  /** A request that long is not a SendTargets: refuse it instead of buffering without end. */
  private static final int MAX_REQUEST = 64 * 1024;

  private final TargetContext target;
  private final Connection connection;
  private final Session session;

  private final ByteArrayOutputStream requestSoFar = new ByteArrayOutputStream();
  private ByteBuffer answerLeft;
  private int transferTag = Pdu.RESERVED_TAG;

  TextRequestResponder(TargetContext target, Connection connection) {
    this.target = target;
    this.connection = connection;
    this.session = connection.session();
  }

  void request(Pdu pdu) {
    int ttt = pdu.intAt(20);
    if (ttt != Pdu.RESERVED_TAG && ttt == transferTag && answerLeft != null) {
      sendChunk(pdu);
      return;
    }
    ByteBuffer data = pdu.data();
    if (requestSoFar.size() + data.remaining() > MAX_REQUEST) {
      requestSoFar.reset();
      connection.reject(Connection.REJECT_PROTOCOL_ERROR, pdu.bhs());
      return;
    }
    byte[] chunk = new byte[data.remaining()];
    data.get(chunk);
    requestSoFar.writeBytes(chunk);
    if ((pdu.flags() & CONTINUE) != 0) {
      transferTag = connection.takeTransferTag();
      Pdu more = Pdu.of(Opcode.TEXT_RESPONSE).flags(0).lun(pdu.lun())
          .initiatorTaskTag(pdu.initiatorTaskTag());
      more.intAt(20, transferTag).intAt(24, connection.takeStatSn());
      connection.send(more);
      return;
    }
    byte[] request = requestSoFar.toByteArray();
    requestSoFar.reset();
    try {
      answerLeft = ByteBuffer.wrap(answer(TextKeys.parse(request)));
    } catch (IllegalArgumentException e) {
      log.warn("session {}: malformed Text Request: {}", session.tsih(), e.getMessage());
      connection.reject(Connection.REJECT_PROTOCOL_ERROR, pdu.bhs());
      return;
    }
    sendChunk(pdu);
  }

  private void sendChunk(Pdu request) {
    int max = connection.parameters().initiatorMaxRecvDataSegmentLength();
    int length = Math.min(max, answerLeft.remaining());
    ByteBuffer chunk = answerLeft.slice(answerLeft.position(), length);
    answerLeft.position(answerLeft.position() + length);
    boolean last = !answerLeft.hasRemaining();
    Pdu response = Pdu.of(Opcode.TEXT_RESPONSE).lun(request.lun())
        .initiatorTaskTag(request.initiatorTaskTag()).data(chunk);
    if (last) {
      response.flags(Connection.F_BIT).intAt(20, Pdu.RESERVED_TAG);
      answerLeft = null;
      transferTag = Pdu.RESERVED_TAG;
    } else {
      transferTag = connection.takeTransferTag();
      response.flags(CONTINUE).intAt(20, transferTag);
    }
    response.intAt(24, connection.takeStatSn());
    connection.send(response);
  }

  private byte[] answer(List<Map.Entry<String, String>> keys) {
    List<Map.Entry<String, String>> out = new ArrayList<>();
    for (Map.Entry<String, String> key : keys) {
      if (key.getKey().equals("SendTargets")) {
        sendTargets(key.getValue(), out);
      } else {
        out.add(Map.entry(key.getKey(), "NotUnderstood"));
      }
    }
    return TextKeys.encode(out);
  }

  private void sendTargets(String which, List<Map.Entry<String, String>> out) {
    List<String> names;
    if (which.equals("All")) {
      // RFC 7143 appendix C lets a target answer "All" in normal sessions too; we do.
      names = target.targetNames();
    } else if (which.isEmpty()) {
      names = session.discovery() ? List.of() : List.of(session.key().targetName());
    } else {
      names = target.exists(which) ? List.of(which) : List.of();
    }
    String initiator = session.key().initiatorName();
    for (String name : names) {
      // Initiators see only the targets their ACL admits them to.
      if (target.access(name).admits(initiator)) {
        out.add(Map.entry("TargetName", name));
        // Every node's portal that serves it, nearest first: a multipath initiator logs in to each.
        for (String address : target.targetAddresses(name)) {
          out.add(Map.entry("TargetAddress", address));
        }
      }
    }
  }
}
