package org.snipblock.node.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import org.snipblock.node.OperatorError;
import org.snipblock.node.tls.CertificateAuthority;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code snipblock certs init DIR}: a CA and node certificates for a test or lab cluster's TLS. */
@Command(name = "certs", mixinStandardHelpOptions = true, description = "Certificates for TLS.",
    subcommands = CertsCommand.Init.class)
public final class CertsCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "missing subcommand (init)");
  }

  @Command(name = "init", mixinStandardHelpOptions = true,
      description = "Make DIR with a new CA (ca.pem, ca.key) and a certificate and key per node (NODE.pem, NODE.key) "
          + "for localhost, 127.0.0.1 and the node's name, and per --client. Never overwrites: DIR must not exist or be empty.")
  static final class Init implements Callable<Integer> {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9.-]{0,62}");
    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");

    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DIR") Path dir;

    @Option(names = "--node", paramLabel = "NAME", split = ",",
        description = "Nodes to make certificates for (default: node); each is also a DNS name in its certificate.")
    List<String> nodes = new ArrayList<>(List.of("node"));

    @Option(names = "--client", paramLabel = "NAME", split = ",",
        description = "Clients to make certificates for (NAME.pem, NAME.key; CN=NAME), e.g. an operator's CLI for a "
            + "node whose admin.tls has client-ca.")
    List<String> clients = new ArrayList<>();

    @Option(names = "--ip", paramLabel = "ADDRESS", split = ",",
        description = "More IPv4 addresses every node certificate is valid for (127.0.0.1 always is).")
    List<String> addresses = new ArrayList<>();

    @Option(names = "--days", paramLabel = "N", defaultValue = "365", description = "Validity in days (default 365).")
    int days;

    @Override
    public Integer call() throws IOException {
      if (days < 1 || days > 3650) {
        throw new ParameterException(spec.commandLine(), "invalid --days " + days + ": 1 to 3650");
      }
      checkNames("--node", nodes);
      checkNames("--client", clients);
      if (new java.util.HashSet<>(nodes).removeAll(clients)) {
        throw new ParameterException(spec.commandLine(), "a name is both a --node and a --client: each gets one file");
      }
      List<String> ips = new ArrayList<>(List.of("127.0.0.1"));
      for (String a : addresses) {
        java.util.regex.Matcher m = IPV4.matcher(a);
        boolean ok = m.matches();
        for (int i = 1; ok && i <= 4; i++) {
          ok = Integer.parseInt(m.group(i)) <= 255;
        }
        if (!ok) {
          throw new ParameterException(spec.commandLine(), "invalid --ip '" + a + "': an IPv4 address like 10.0.0.5");
        }
        ips.add(a);
      }
      if (Files.exists(dir) && (!Files.isDirectory(dir) || hasEntries(dir))) {
        throw new OperatorError(dir + " exists and is not an empty directory: certs init never overwrites keys");
      }
      Files.createDirectories(dir);
      try {
        CertificateAuthority ca = CertificateAuthority.create("snipblock CA", days);
        ca.writeTo(dir);
        for (String n : nodes) {
          ca.issue(dir, n, List.of(n, "localhost"), ips, days);
        }
        for (String c : clients) {
          ca.issue(dir, c, List.of(c), List.of(), days);
        }
      } catch (GeneralSecurityException e) {
        throw new OperatorError("making certificates failed: " + e.getMessage(), e);
      }
      spec.commandLine().getOut().println("wrote " + dir.resolve("ca.pem") + " and ca.key (keep ca.key offline), and "
          + String.join(", ", java.util.stream.Stream.concat(nodes.stream(), clients.stream())
              .map(n -> n + ".pem/.key").toList()));
      return 0;
    }

    private void checkNames(String option, List<String> names) {
      for (String n : names) {
        if (!NAME.matcher(n).matches() || n.equals("ca")) {
          throw new ParameterException(spec.commandLine(), "invalid " + option + " '" + n + "': a host name (letters, "
              + "digits, '.', '-'), not 'ca'");
        }
      }
    }

    private static boolean hasEntries(Path dir) throws IOException {
      try (var s = Files.list(dir)) {
        return s.findAny().isPresent();
      }
    }
  }
}
