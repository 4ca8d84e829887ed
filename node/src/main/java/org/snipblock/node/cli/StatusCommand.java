package org.snipblock.node.cli;

import java.time.Instant;
import java.util.concurrent.Callable;
import org.snipblock.node.admin.v1.BackgroundState;
import org.snipblock.node.admin.v1.NodeStatusResponse;
import org.snipblock.node.config.ByteSize;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "status", mixinStandardHelpOptions = true, description = "Show a running node's status.")
final class StatusCommand implements Callable<Integer> {
  @Mixin AdminOptions admin;
  @Spec CommandSpec spec;

  record View(String nodeId, String location, String version, long pid, String started, String dataDir,
      long dataDirFreeBytes, String listen, int iscsiPort, int nbdPort, int adminPort, String transport,
      int volumes, long provisionedBytes, long usedBytes, Background background) {}

  /** The node's budget for background work: see {@code BackgroundState} in admin.proto. */
  record Background(long rateBytesPerSecond, long floorBytesPerSecond, long maxBytesPerSecond, boolean active,
      boolean clientsBusy, int waiting, long grantedBytes) {
    static Background of(BackgroundState b) {
      return new Background(b.getRateBytesPerSecond(), b.getFloorBytesPerSecond(), b.getMaxBytesPerSecond(),
          b.getActive(), b.getClientsBusy(), b.getWaiting(), b.getGrantedBytes());
    }

    String line() {
      String granted = ByteSize.format(grantedBytes) + " granted since start";
      if (maxBytesPerSecond == 0) {
        return "no cap, " + granted;
      }
      String range = "floor " + ByteSize.format(floorBytesPerSecond) + "/s, max " + ByteSize.format(maxBytesPerSecond)
          + "/s";
      if (!active) {
        return "idle (" + range + "), " + granted;
      }
      return ByteSize.format(rateBytesPerSecond) + "/s now (" + range + "), clients " + (clientsBusy ? "busy" : "idle")
          + ", " + waiting + (waiting == 1 ? " piece" : " pieces") + " waiting, " + granted;
    }
  }

  @Override
  public Integer call() {
    NodeStatusResponse s = admin.call(c -> c.status());
    View v = new View(s.getNodeId(), s.getLocation(), s.getVersion(), s.getPid(),
        Instant.ofEpochMilli(s.getStartedEpochMillis()).toString(), s.getDataDir(), s.getDataDirFreeBytes(),
        s.getListen(), s.getIscsiPort(), s.getNbdPort(), s.getAdminPort(), s.getTransport(), s.getVolumes(),
        s.getProvisionedBytes(), s.getUsedBytes(), Background.of(s.getBackground()));
    Output out = new Output(spec.commandLine().getOut(), admin.json);
    if (out.isJson()) {
      out.json(v);
      return 0;
    }
    out.println("node:        " + v.nodeId() + " at " + v.location() + " (snipblock " + v.version() + ", pid " + v.pid() + ")");
    out.println("started:     " + v.started());
    out.println("listening:   " + v.listen() + " iSCSI " + v.iscsiPort() + ", NBD " + v.nbdPort()
        + ", admin " + v.adminPort() + " (" + v.transport() + ")");
    out.println("data:        " + v.dataDir() + " (" + ByteSize.format(v.dataDirFreeBytes()) + " free)");
    out.println("volumes:     " + v.volumes() + ", " + ByteSize.format(v.provisionedBytes()) + " provisioned, "
        + ByteSize.format(v.usedBytes()) + " used");
    out.println("background:  " + v.background().line());
    return 0;
  }
}
