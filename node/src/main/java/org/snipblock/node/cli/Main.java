package org.snipblock.node.cli;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ServiceLoader;
import org.snipblock.node.OperatorError;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The {@code snipblock} command: the node daemon ({@code serve}, {@code up}) and the operator CLI. */
@Command(
    name = "snipblock",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Distributed block storage for VM disks, served over iSCSI and NBD.",
    subcommands = {
        ServeCommand.class, UpCommand.class, VolumeCommand.class, StatusCommand.class, ClusterCommand.class,
        NodeCommand.class, TenantCommand.class, UsageCommand.class, CertsCommand.class,
        HelpCommand.class})
public final class Main implements Runnable {
  /** Exit status of a failure the operator can fix (bad config, port in use, no such volume...). */
  public static final int EXIT_FAILURE = 1;
  /** Exit status of a malformed command line. */
  public static final int EXIT_USAGE = 2;
  /** Exit status of an unexpected internal error (a bug). */
  public static final int EXIT_INTERNAL = 70;

  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "missing command (serve, up, volume, tenant, cluster, node or status)");
  }

  public static void main(String[] args) {
    PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
    PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
    System.exit(run(args, out, err));
  }

  /** Runs one command line to its end and returns the process exit status. */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine cl = new CommandLine(new Main());
    for (CommandExtension extension : ServiceLoader.load(CommandExtension.class)) {
      extension.subcommands().forEach(cl::addSubcommand);
    }
    cl.setOut(out);
    cl.setErr(err);
    cl.setParameterExceptionHandler((ex, ignored) -> {
      err.println("snipblock: " + ex.getMessage());
      err.println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
      return EXIT_USAGE;
    });
    cl.setExecutionExceptionHandler((ex, ignored, parsed) -> {
      if (ex instanceof OperatorError) {
        err.println("snipblock: " + ex.getMessage());
        return EXIT_FAILURE;
      }
      err.println("snipblock: internal error: " + ex);
      ex.printStackTrace(err);
      return EXIT_INTERNAL;
    });
    int status = cl.execute(args);
    out.flush();
    err.flush();
    return status;
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"snipblock " + (v == null ? "dev" : v)};
    }
  }
}
