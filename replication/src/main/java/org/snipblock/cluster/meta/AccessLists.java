package org.snipblock.cluster.meta;

import java.util.Collection;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.snipblock.cluster.proto.SetAccess;
import org.snipblock.cluster.proto.VolumeAccess;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.store.VolumeAdminException;
import org.snipblock.store.VolumeAdminException.Reason;

/**
 * A volume's cluster-wide access lists: who the doors of every node admit, and changing them.
 * A door kind that is not restricted leaves the decision to the node's own configuration; a
 * restricted one admits only its listed names (nobody when the list is empty).
 */
public final class AccessLists {
  /** RFC 7143 section 4.2.7.1: an iSCSI name is at most 223 bytes, iqn., eui. or naa. format. */
  private static final Pattern INITIATOR = Pattern.compile("(iqn\\.|eui\\.|naa\\.)[\\x21-\\x7e]{1,219}");
  /** Printable, no comma (the CLI separates names with commas). */
  private static final Pattern CERTIFICATE_NAME = Pattern.compile("[\\x20-\\x2b\\x2d-\\x7e]{1,255}");

  private AccessLists() {}

  /** Whether the cluster lets this iSCSI initiator in (the node's YAML must also). */
  public static boolean admitsInitiator(VolumeRecord v, String initiator) {
    VolumeAccess a = v.getAccess();
    return !a.getInitiatorsRestricted() || a.getInitiatorsList().contains(initiator);
  }

  /** Whether the cluster lets an NBD client with these certificate names in (the node's YAML must also). */
  public static boolean admitsCertificate(VolumeRecord v, Collection<String> names) {
    VolumeAccess a = v.getAccess();
    return !a.getCertificateNamesRestricted() || names.stream().anyMatch(a.getCertificateNamesList()::contains);
  }

  /** Checks every name of a change; throws INVALID_ARGUMENT naming the first bad one. */
  public static void check(SetAccess s) {
    boolean changes = s.getAllowInitiatorsCount() + s.getRevokeInitiatorsCount()
        + s.getAllowCertificateNamesCount() + s.getRevokeCertificateNamesCount() > 0;
    if (s.getOpen() && changes) {
      throw invalid("opening a volume's access drops both lists; it cannot be combined with allow or revoke");
    }
    if (!s.getOpen() && !changes) {
      throw invalid("nothing to change: name initiators or certificate names to allow or revoke, or open");
    }
    for (String i : concat(s.getAllowInitiatorsList(), s.getRevokeInitiatorsList())) {
      if (!INITIATOR.matcher(i).matches()) {
        throw invalid("'" + i + "' is not an iSCSI initiator name (iqn./eui./naa. name, at most 223 "
            + "printable characters without spaces)");
      }
    }
    for (String c : concat(s.getAllowCertificateNamesList(), s.getRevokeCertificateNamesList())) {
      if (!CERTIFICATE_NAME.matcher(c).matches()) {
        throw invalid("'" + c + "' is not a certificate name (1..255 printable characters, no comma)");
      }
    }
  }

  /** The volume with the change applied (its access version one higher); refusals as exceptions. */
  static VolumeRecord apply(VolumeRecord v, SetAccess s) {
    check(s);
    VolumeAccess a = v.getAccess();
    VolumeAccess.Builder b = VolumeAccess.newBuilder().setVersion(a.getVersion() + 1);
    if (!s.getOpen()) {
      if (!a.getInitiatorsRestricted() && s.getRevokeInitiatorsCount() > 0) {
        throw notRestricted(v, "iSCSI initiators", "--allow-initiator");
      }
      if (!a.getCertificateNamesRestricted() && s.getRevokeCertificateNamesCount() > 0) {
        throw notRestricted(v, "NBD certificate names", "--allow-certificate");
      }
      b.setInitiatorsRestricted(a.getInitiatorsRestricted() || s.getAllowInitiatorsCount() > 0)
          .addAllInitiators(changed(a.getInitiatorsList(), s.getAllowInitiatorsList(), s.getRevokeInitiatorsList()))
          .setCertificateNamesRestricted(a.getCertificateNamesRestricted() || s.getAllowCertificateNamesCount() > 0)
          .addAllCertificateNames(changed(a.getCertificateNamesList(), s.getAllowCertificateNamesList(),
              s.getRevokeCertificateNamesList()));
    }
    return v.toBuilder().setAccess(b).build();
  }

  private static List<String> changed(List<String> now, List<String> allow, List<String> revoke) {
    TreeSet<String> out = new TreeSet<>(now);
    out.addAll(allow);
    revoke.forEach(out::remove);
    return List.copyOf(out);
  }

  private static List<String> concat(List<String> a, List<String> b) {
    return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
  }

  private static VolumeAdminException notRestricted(VolumeRecord v, String what, String option) {
    return new VolumeAdminException(Reason.FAILED_PRECONDITION, "volume " + v.getName() + " does not restrict "
        + what + " (everyone the nodes' configuration admits gets in): revoking would keep nobody out; "
        + "allow the ones that may connect first (" + option + ")");
  }

  private static VolumeAdminException invalid(String message) {
    return new VolumeAdminException(Reason.INVALID_ARGUMENT, message);
  }
}
