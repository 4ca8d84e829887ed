package org.snipblock.iscsi.login;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.snipblock.iscsi.session.SessionParameters;

/**
 * Answers the operational keys of one login (RFC 7143 sections 6.2 and 13): the result function
 * per key, "Reject" for a value outside the key's range or syntax, "Irrelevant" for keys that do
 * not apply to a discovery session, "NotUnderstood" for unknown keys. A key negotiated twice is an
 * initiator error (section 6.2).
 */
final class OperationalNegotiator {
  private static final Set<String> NOT_FOR_DISCOVERY = Set.of(
      "MaxBurstLength", "FirstBurstLength", "InitialR2T", "ImmediateData", "MaxOutstandingR2T",
      "DataPDUInOrder", "DataSequenceInOrder", "MaxConnections");

  private final NegotiationDefaults ours;
  private final boolean discovery;
  private final Set<String> seen = new HashSet<>();

  private boolean headerDigest;
  private boolean dataDigest;
  private int initiatorMrdsl = 8192;
  private int maxBurstLength = 262144;
  private int firstBurstLength = 65536;
  private boolean initialR2T = true;
  private boolean immediateData = true;
  private int maxOutstandingR2T = 1;
  private final boolean dataPduInOrder = true;
  private final boolean dataSequenceInOrder = true;
  private int defaultTime2Wait = 2;
  private int defaultTime2Retain = 20;

  OperationalNegotiator(NegotiationDefaults ours, boolean discovery) {
    this.ours = ours;
    this.discovery = discovery;
  }

  /** True if this negotiator answers the key (as opposed to the security or naming layer). */
  static boolean handles(String key) {
    return !key.startsWith("CHAP_") && !key.equals("AuthMethod") && !key.equals("InitiatorName")
        && !key.equals("TargetName") && !key.equals("SessionType");
  }

  /** Adds the answer to {@code key=value}, if it needs one, to {@code answers}. */
  void answer(String key, String value, List<Map.Entry<String, String>> answers)
      throws LoginException {
    if (!seen.add(key)) {
      throw new LoginException(LoginStatus.INITIATOR_ERROR, "key negotiated twice: " + key);
    }
    if (discovery && NOT_FOR_DISCOVERY.contains(key)) {
      answers.add(Map.entry(key, "Irrelevant"));
      return;
    }
    String answer;
    try {
      answer = switch (key) {
        case "HeaderDigest" -> {
          String d = digest(value, ours.allowHeaderDigest());
          headerDigest = d.equals("CRC32C");
          yield d;
        }
        case "DataDigest" -> {
          String d = digest(value, ours.allowDataDigest());
          dataDigest = d.equals("CRC32C");
          yield d;
        }
        case "MaxRecvDataSegmentLength" -> {
          initiatorMrdsl = number(value, 512, 16777215);
          yield null; // declarative: ours is declared separately
        }
        case "MaxBurstLength" -> {
          maxBurstLength = Math.min(number(value, 512, 16777215), ours.maxBurstLength());
          yield Integer.toString(maxBurstLength);
        }
        case "FirstBurstLength" -> {
          firstBurstLength = Math.min(number(value, 512, 16777215), ours.firstBurstLength());
          yield Integer.toString(firstBurstLength);
        }
        case "MaxOutstandingR2T" -> {
          maxOutstandingR2T = Math.min(number(value, 1, 65535), ours.maxOutstandingR2T());
          yield Integer.toString(maxOutstandingR2T);
        }
        case "DefaultTime2Wait" -> {
          defaultTime2Wait = Math.max(number(value, 0, 3600), ours.defaultTime2Wait());
          yield Integer.toString(defaultTime2Wait);
        }
        case "DefaultTime2Retain" -> {
          defaultTime2Retain = Math.min(number(value, 0, 3600), ours.defaultTime2Retain());
          yield Integer.toString(defaultTime2Retain);
        }
        case "ErrorRecoveryLevel" -> {
          number(value, 0, 2);
          yield "0";
        }
        case "MaxConnections" -> {
          number(value, 1, 65535);
          yield "1";
        }
        case "InitialR2T" -> {
          initialR2T = bool(value) || ours.initialR2T();
          yield yesNo(initialR2T);
        }
        case "ImmediateData" -> {
          immediateData = bool(value) && ours.immediateData();
          yield yesNo(immediateData);
        }
        // OR functions where this target always says Yes: out-of-order data is not supported.
        case "DataPDUInOrder" -> {
          bool(value);
          yield yesNo(dataPduInOrder);
        }
        case "DataSequenceInOrder" -> {
          bool(value);
          yield yesNo(dataSequenceInOrder);
        }
        // Declarations by the initiator that need no answer.
        case "InitiatorAlias" -> null;
        // RFC 3720 markers (removed by RFC 7143): never used.
        case "IFMarker", "OFMarker" -> "No";
        case "IFMarkInt", "OFMarkInt" -> "Irrelevant";
        // Keys only a target declares.
        case "TargetAlias", "TargetAddress", "TargetPortalGroupTag" -> "Irrelevant";
        default -> "NotUnderstood";
      };
    } catch (IllegalArgumentException e) {
      answer = "Reject";
    }
    if (answer != null) {
      answers.add(Map.entry(key, answer));
    }
  }

  SessionParameters result() {
    int burst = maxBurstLength;
    return new SessionParameters(headerDigest, dataDigest, initiatorMrdsl,
        ours.maxRecvDataSegmentLength(), burst, Math.min(firstBurstLength, burst), initialR2T,
        immediateData, maxOutstandingR2T, dataPduInOrder, dataSequenceInOrder, defaultTime2Wait,
        defaultTime2Retain, 0, 1);
  }

  private static String digest(String offered, boolean allowCrc) {
    for (String option : offered.split(",")) {
      if (option.equals("None")) {
        return "None";
      }
      if (option.equals("CRC32C") && allowCrc) {
        return "CRC32C";
      }
    }
    // No acceptable value: RFC 7143 section 6.2.1 allows answering "Reject".
    return "Reject";
  }

  private static int number(String value, int min, int max) {
    if (value.isEmpty() || value.length() > 10) {
      throw new IllegalArgumentException("bad number " + value);
    }
    long v;
    if (value.startsWith("0x") || value.startsWith("0X")) {
      v = Long.parseLong(value.substring(2), 16);
    } else {
      v = Long.parseLong(value);
    }
    if (v < min || v > max) {
      throw new IllegalArgumentException("out of range " + value);
    }
    return (int) v;
  }

  private static boolean bool(String value) {
    return switch (value) {
      case "Yes" -> true;
      case "No" -> false;
      default -> throw new IllegalArgumentException("not Yes/No: " + value);
    };
  }

  private static String yesNo(boolean b) {
    return b ? "Yes" : "No";
  }
}
