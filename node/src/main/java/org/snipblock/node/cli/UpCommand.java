package org.snipblock.node.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.snipblock.node.config.ByteSize;
import org.snipblock.node.config.NodeConfig;
import org.snipblock.node.config.NodeOptions;
import org.snipblock.node.config.VolumeDeclaration;
import org.snipblock.node.daemon.Node;
import org.snipblock.node.daemon.NodeInfo;
import org.snipblock.store.VolumeInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "up", mixinStandardHelpOptions = true,
    description = {
        "Run one node with everything defaulted: data in ./snipblock-data, a 10 GiB thin volume vol0, "
            + "iSCSI on 127.0.0.1:3260, NBD on 127.0.0.1:10809, admin API on 127.0.0.1:7070, "
            + "dashboard and /metrics on a free port.",
        "Prints how to connect. Every serve flag may still be given."})
final class UpCommand implements Callable<Integer> {
  static final Path DEFAULT_DATA = Path.of("snipblock-data");
  static final VolumeDeclaration DEFAULT_VOLUME = new VolumeDeclaration("vol0", 10L << 30, 0, 512, false);

  @Mixin ServeOptions options;
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    NodeOptions defaults = new NodeOptions(DEFAULT_DATA, null, null, null, null, List.of(DEFAULT_VOLUME),
        null, null, null, List.of()).withHttpPort(0);
    NodeConfig config = NodeConfig.resolve(defaults, options.fromFile(), options.fromFlags());
    return Daemon.serveUntilStopped(config, options.logFormat, node -> printWelcome(node, spec.commandLine().getOut()));
  }

  private static void printWelcome(Node node, PrintWriter out) {
    NodeInfo info = node.info();
    String host = info.listen().contains(":") ? "[" + info.listen() + "]" : info.listen();
    String nbd = "nbd://" + host + ":" + info.nbdPort();
    String iscsi = "iscsi://" + host + ":" + info.iscsiPort() + "/iqn.2026-11.org.snipblock:";
    out.println();
    out.println("snipblock is up (node " + info.nodeId() + ", pid " + info.pid() + ").");
    out.println();
    out.println("Volumes:");
    for (VolumeInfo v : node.volumes().list()) {
      out.printf("  %-12s %s provisioned, %s used%n", v.name(),
          ByteSize.format(v.provisionedBytes()), ByteSize.format(v.usedBytes()));
    }
    String vol = node.volumes().list().isEmpty() ? "vol0" : node.volumes().list().get(0).name();
    out.println();
    out.println("NBD (export name = volume name):");
    out.println("  qemu-img info " + nbd + "/" + vol);
    out.println("  nbdinfo " + nbd + "/" + vol);
    out.println("  qemu-img convert -n -O raw disk.img " + nbd + "/" + vol);
    out.println();
    out.println("iSCSI (target iqn.2026-11.org.snipblock:NAME, LUN 0):");
    out.println("  iscsi-inq " + iscsi + vol + "/0");
    out.println("  qemu-img info " + iscsi + vol + "/0");
    out.println("  qemu-system-x86_64 -drive file=" + iscsi + vol + "/0,format=raw ...");
    out.println();
    out.println("Admin API (gRPC) on " + info.adminAddress() + ":");
    out.println("  bin/snipblock volume list");
    out.println("  bin/snipblock volume create vol1 20G");
    out.println("  bin/snipblock volume show " + vol);
    out.println();
    if (info.httpPort() > 0) {
      out.println("Dashboard and metrics:");
      out.println("  " + info.httpUrl() + "/");
      out.println("  curl " + info.httpUrl() + "/metrics");
      out.println();
    }
    out.println("Stop with Ctrl-C (every volume is flushed first).");
    out.flush();
  }
}
