package org.snipblock.iscsi.session;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.snipblock.iscsi.pdu.TextKeys;

/**
 * Answers the keys of a full-feature Text Request (RFC 7143 section 11.10): SendTargets
 * (appendix C) lists targets with this node's portal; every other key is NotUnderstood, since
 * nothing is renegotiable after login here.
 */
final class TextRequestResponder {
  private final TargetContext target;
  private final Session session;

  TextRequestResponder(TargetContext target, Session session) {
    this.target = target;
    this.session = session;
  }

  byte[] answer(List<Map.Entry<String, String>> keys) {
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
        out.add(Map.entry("TargetAddress", target.portal() + "," + TargetContext.PORTAL_GROUP_TAG));
      }
    }
  }
}
