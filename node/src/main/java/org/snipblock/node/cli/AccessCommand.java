package org.snipblock.node.cli;

import java.util.List;
import org.snipblock.node.admin.v1.SetVolumeAccessRequest;
import org.snipblock.node.admin.v1.VolumeAccess;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/** {@code volume access}: the cluster-wide list of who may connect to a volume (fencing a host out). */
@Command(name = "access", mixinStandardHelpOptions = true,
    description = "Show or change who may connect to a clustered volume through any node's doors, live. A revoke "
        + "returns once every node in view closed that initiator's (or certificate's) connections to the volume.")
final class AccessCommand extends VolumeCommand.Subcommand {
  @Parameters(index = "0", paramLabel = "NAME") String name;

  @Option(names = "--allow-initiator", paramLabel = "IQN", split = ",",
      description = "iSCSI initiator names to admit; the first one restricts the volume's iSCSI access to the list.")
  List<String> allowInitiators = List.of();

  @Option(names = "--revoke-initiator", paramLabel = "IQN", split = ",",
      description = "iSCSI initiator names to refuse from now on; their connections are closed on every node.")
  List<String> revokeInitiators = List.of();

  @Option(names = "--allow-certificate", paramLabel = "NAME", split = ",",
      description = "NBD TLS client certificate names (CN or DNS SAN) to admit; restricts NBD access to the list.")
  List<String> allowCertificates = List.of();

  @Option(names = "--revoke-certificate", paramLabel = "NAME", split = ",",
      description = "NBD certificate names to refuse from now on; their connections are closed on every node.")
  List<String> revokeCertificates = List.of();

  @Option(names = "--open", description = "Drop both lists: the nodes' own configuration decides alone again.")
  boolean open;

  @Option(names = "--show", description = "Print the volume's access (the default without a change).")
  boolean show;

  /** The access as the CLI prints it; null lists are not restricted. */
  record AccessView(String volume, long version, List<String> initiators, List<String> certificateNames,
      List<String> enforcedBy, List<String> outOfView) {
    static AccessView of(VolumeAccess a) {
      return new AccessView(a.getVolume(), a.getVersion(),
          a.getInitiatorsRestricted() ? List.copyOf(a.getInitiatorsList()) : null,
          a.getCertificateNamesRestricted() ? List.copyOf(a.getCertificateNamesList()) : null,
          List.copyOf(a.getConfirmedNodesList()), List.copyOf(a.getUnconfirmedNodesList()));
    }
  }

  @Override
  public Integer call() {
    boolean change = open || !allowInitiators.isEmpty() || !revokeInitiators.isEmpty()
        || !allowCertificates.isEmpty() || !revokeCertificates.isEmpty();
    if (show && change) {
      throw new ParameterException(spec.commandLine(), "--show cannot be combined with a change");
    }
    VolumeAccess a = change
        ? change(admin, SetVolumeAccessRequest.newBuilder().setVolume(name)
            .addAllAllowInitiators(allowInitiators).addAllRevokeInitiators(revokeInitiators)
            .addAllAllowCertificateNames(allowCertificates).addAllRevokeCertificateNames(revokeCertificates)
            .setOpen(open).build())
        : admin.call(c -> c.showVolumeAccess(name));
    print(output(), AccessView.of(a), change);
    return 0;
  }

  /**
   * The one implementation of an access change ({@code volume access}, and {@code volume set
   * --allowed-initiators}): answers once every node in view applied it.
   */
  static VolumeAccess change(AdminOptions admin, SetVolumeAccessRequest request) {
    return admin.call(c -> c.setVolumeAccess(request));
  }

  /**
   * {@code volume set --allowed-initiators}: the volume's iSCSI list becomes exactly these names
   * (the others are revoked in the same change, and their connections closed on every node).
   */
  static VolumeAccess allowExactly(CommandSpec spec, AdminOptions admin, String name, List<String> initiators) {
    checkExactly(spec, name, initiators);
    VolumeAccess now = admin.call(c -> c.showVolumeAccess(name));
    List<String> revoke = now.getInitiatorsList().stream().filter(n -> !initiators.contains(n)).toList();
    return change(admin, SetVolumeAccessRequest.newBuilder().setVolume(name).addAllAllowInitiators(initiators)
        .addAllRevokeInitiators(revoke).build());
  }

  /** A usage error unless the list names initiators and has no empty entry (the node checks the names). */
  static void checkExactly(CommandSpec spec, String name, List<String> initiators) {
    if (initiators.isEmpty() || initiators.stream().anyMatch(String::isBlank)) {
      throw new ParameterException(spec.commandLine(), "--allowed-initiators needs initiator names (IQN,IQN...) "
          + "without empty entries; to lift the list: volume access " + name + " --open");
    }
  }

  static void print(Output out, AccessView a, boolean changed) {
    if (out.isJson()) {
      out.json(a);
      return;
    }
    out.println("volume " + a.volume() + " access (version " + a.version() + ")");
    out.println("  iSCSI initiators:      " + names(a.initiators()));
    out.println("  NBD certificate names: " + names(a.certificateNames()));
    if (changed && !a.enforcedBy().isEmpty()) {
      out.println("  enforced by:           " + String.join(", ", a.enforcedBy()));
    }
    if (changed && !a.outOfView().isEmpty()) {
      out.println("  out of view:           " + String.join(", ", a.outOfView())
          + " (not confirmed; they admit nobody to restricted volumes while cut off from the majority)");
    }
  }

  private static String names(List<String> names) {
    if (names == null) {
      return "not restricted (each node's configuration decides)";
    }
    return names.isEmpty() ? "nobody" : String.join(", ", names);
  }
}
