package org.snipblock.iscsi.login;

import java.util.List;
import java.util.Map;
import org.snipblock.iscsi.ChapSecret;
import org.snipblock.iscsi.TargetAccess;

/**
 * The security stage of one login (RFC 7143 section 12.1.3): AuthMethod selection, then the CHAP
 * exchange, one-way or mutual. Any failure to prove the secret ends the login with
 * "authentication failure".
 */
final class ChapAuthenticator {
  private enum State { START, WAIT_ALGORITHM, WAIT_RESPONSE, DONE }

  private final TargetAccess access;
  private State state = State.START;
  private Chap.Algorithm algorithm;
  private int identifier;
  private byte[] challenge;

  ChapAuthenticator(TargetAccess access) {
    this.access = access;
  }

  /** True once the initiator may leave the security stage. */
  boolean done() {
    return state == State.DONE || (state == State.START && access.chap() == null);
  }

  /** True if the target demands CHAP, so the security stage cannot be skipped. */
  boolean required() {
    return access.chap() != null;
  }

  void process(Map<String, String> keys, List<Map.Entry<String, String>> answers)
      throws LoginException {
    String methods = keys.get("AuthMethod");
    if (state == State.START && methods != null) {
      chooseMethod(List.of(methods.split(",")), answers);
      return;
    }
    if (state == State.WAIT_ALGORITHM && keys.containsKey("CHAP_A")) {
      algorithm = Chap.choose(keys.get("CHAP_A"));
      if (algorithm == null) {
        answers.add(Map.entry("CHAP_A", "Reject"));
        throw failure("no supported CHAP algorithm in " + keys.get("CHAP_A"));
      }
      identifier = Chap.newIdentifier();
      challenge = Chap.newChallenge();
      answers.add(Map.entry("CHAP_A", Integer.toString(algorithm.code)));
      answers.add(Map.entry("CHAP_I", Integer.toString(identifier)));
      answers.add(Map.entry("CHAP_C", Chap.encode(challenge)));
      state = State.WAIT_RESPONSE;
      return;
    }
    if (state == State.WAIT_RESPONSE && keys.containsKey("CHAP_R")) {
      verify(keys, answers);
      state = State.DONE;
      return;
    }
    if (state == State.WAIT_ALGORITHM || state == State.WAIT_RESPONSE) {
      throw failure("CHAP exchange out of order: got " + keys.keySet());
    }
  }

  private void chooseMethod(List<String> offered, List<Map.Entry<String, String>> answers)
      throws LoginException {
    if (access.chap() != null) {
      if (!offered.contains("CHAP")) {
        answers.add(Map.entry("AuthMethod", "Reject"));
        throw failure("target requires CHAP, initiator offered " + offered);
      }
      answers.add(Map.entry("AuthMethod", "CHAP"));
      state = State.WAIT_ALGORITHM;
    } else if (offered.contains("None")) {
      answers.add(Map.entry("AuthMethod", "None"));
      state = State.DONE;
    } else {
      answers.add(Map.entry("AuthMethod", "Reject"));
      throw failure("target has no CHAP secret, initiator offered only " + offered);
    }
  }

  private void verify(Map<String, String> keys, List<Map.Entry<String, String>> answers)
      throws LoginException {
    ChapSecret expected = access.chap();
    String name = keys.get("CHAP_N");
    byte[] response;
    try {
      response = Chap.decode(keys.get("CHAP_R"));
    } catch (IllegalArgumentException e) {
      throw failure("malformed CHAP_R");
    }
    byte[] correct = Chap.response(algorithm, identifier, expected.secret(), challenge);
    if (!expected.user().equals(name) || !Chap.constantTimeEquals(correct, response)) {
      throw failure("CHAP response does not match for user " + name);
    }
    String peerId = keys.get("CHAP_I");
    String peerChallenge = keys.get("CHAP_C");
    if (peerId == null && peerChallenge == null) {
      if (access.mutual() != null) {
        throw failure("target requires mutual CHAP, initiator did not ask for it");
      }
      return;
    }
    if (peerId == null || peerChallenge == null || access.mutual() == null) {
      throw failure("mutual CHAP requested but not configured or incomplete");
    }
    int id;
    byte[] c;
    try {
      id = Integer.parseInt(peerId);
      c = Chap.decode(peerChallenge);
    } catch (IllegalArgumentException e) {
      throw failure("malformed CHAP_I/CHAP_C");
    }
    if (id < 0 || id > 255 || c.length == 0 || Chap.constantTimeEquals(c, challenge)) {
      // A challenge equal to ours would let the initiator reflect our own answer back.
      throw failure("unacceptable mutual CHAP challenge");
    }
    answers.add(Map.entry("CHAP_N", access.mutual().user()));
    answers.add(Map.entry("CHAP_R",
        Chap.encode(Chap.response(algorithm, id, access.mutual().secret(), c))));
  }

  private static LoginException failure(String why) {
    return new LoginException(LoginStatus.AUTHENTICATION_FAILURE, why);
  }
}
