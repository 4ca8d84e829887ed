package org.snipblock.node.cli;

import java.nio.file.Path;
import org.snipblock.cluster.meta.ChapSettings;
import org.snipblock.cluster.proto.VolumeChap;
import org.snipblock.node.admin.v1.SetVolumeChapRequest;
import org.snipblock.node.admin.v1.ShowVolumeChapRequest;
import org.snipblock.node.admin.v1.VolumeChapSetting;
import org.snipblock.store.VolumeAdminException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/**
 * {@code volume chap}: the CHAP every node's iSCSI door asks of a clustered volume's initiators,
 * kept in the cluster metadata. Secrets are read from files (never from the command line, where
 * {@code ps} and shell history would show them) and never printed.
 */
@Command(name = "chap", mixinStandardHelpOptions = true,
    description = "Show or set the CHAP that every node's iSCSI door asks of a clustered volume's initiators "
        + "(it replaces the nodes' YAML CHAP for the volume). Applies to logins from then on.")
final class ChapCommand extends VolumeCommand.Subcommand {
  @Parameters(index = "0", paramLabel = "NAME") String name;

  @Option(names = "--user", paramLabel = "USER", description = "The CHAP name initiators log in with.")
  String user;

  @Option(names = "--secret-file", paramLabel = "FILE",
      description = "A file holding the secret initiators must prove (one line, 12 to 255 printable characters).")
  Path secretFile;

  @Option(names = "--mutual-user", paramLabel = "USER", description = "Mutual CHAP: the name the target answers with.")
  String mutualUser;

  @Option(names = "--mutual-secret-file", paramLabel = "FILE",
      description = "Mutual CHAP: a file holding the secret the target proves (must differ from the CHAP secret).")
  Path mutualSecretFile;

  @Option(names = "--off", description = "Drop the volume's CHAP: logins need none (a cluster node's YAML sets no per-volume CHAP).")
  boolean off;

  @Override
  public Integer call() {
    print(output(), change(spec, admin, name, user, secretFile, mutualUser, mutualSecretFile, off));
    return 0;
  }

  /**
   * The one implementation of a CHAP change or show ({@code volume chap}, and {@code volume set
   * --chap}): nothing given shows the setting; {@code off} drops it; else user and secret file
   * set it (and the mutual pair, if given). Malformed settings are usage errors before any node is asked.
   */
  static VolumeChapSetting change(CommandSpec spec, AdminOptions admin, String name, String user, Path secretFile,
      String mutualUser, Path mutualSecretFile, boolean off) {
    boolean change = user != null || secretFile != null || mutualUser != null || mutualSecretFile != null;
    if (off && change) {
      throw new ParameterException(spec.commandLine(), "--off cannot be combined with a new setting");
    }
    if (off) {
      return admin.call(c -> c.chap().setVolumeChap(SetVolumeChapRequest.newBuilder().setName(name).setOff(true).build()));
    }
    if (change) {
      SetVolumeChapRequest request = request(spec, name, user, secretFile, mutualUser, mutualSecretFile);
      return admin.call(c -> c.chap().setVolumeChap(request));
    }
    return admin.call(c -> c.chap().showVolumeChap(ShowVolumeChapRequest.newBuilder().setName(name).build()));
  }

  /** The change as sent, checked here first with the state machine's own rules (one line, exit 2). */
  private static SetVolumeChapRequest request(CommandSpec spec, String name, String user, Path secretFile,
      String mutualUser, Path mutualSecretFile) {
    if (user == null || secretFile == null) {
      throw new ParameterException(spec.commandLine(), "give both --user and --secret-file (or --off)");
    }
    if ((mutualUser == null) != (mutualSecretFile == null)) {
      throw new ParameterException(spec.commandLine(), "give both --mutual-user and --mutual-secret-file, or neither");
    }
    try {
      String secret = SecretFile.read("--secret-file", secretFile);
      String mutualSecret = mutualSecretFile == null ? "" : SecretFile.read("--mutual-secret-file", mutualSecretFile);
      VolumeChap chap = VolumeChap.newBuilder().setUser(user).setSecret(secret)
          .setMutualUser(mutualUser == null ? "" : mutualUser).setMutualSecret(mutualSecret).build();
      ChapSettings.check(chap);
      return SetVolumeChapRequest.newBuilder().setName(name).setUser(chap.getUser()).setSecret(chap.getSecret())
          .setMutualUser(chap.getMutualUser()).setMutualSecret(chap.getMutualSecret()).build();
    } catch (VolumeAdminException | IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
  }

  static void print(Output out, VolumeChapSetting s) {
    if (out.isJson()) {
      out.json(new ChapView(s.getName(), s.getUser().isEmpty() ? null : s.getUser(),
          s.getMutualUser().isEmpty() ? null : s.getMutualUser(), s.getVersion()));
      return;
    }
    out.println("volume " + s.getName() + " CHAP (version " + s.getVersion() + ")");
    out.println("  user:        " + (s.getUser().isEmpty() ? "not set (logins need none)" : s.getUser()));
    out.println("  mutual user: " + (s.getMutualUser().isEmpty() ? "not set" : s.getMutualUser()));
  }

  /** The setting as --json prints it: users only, null where not set. */
  record ChapView(String volume, String user, String mutualUser, long version) {}
}
