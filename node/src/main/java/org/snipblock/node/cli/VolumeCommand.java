package org.snipblock.node.cli;

import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "volume", mixinStandardHelpOptions = true,
    description = "Manage the volumes of a running node through its admin API.",
    subcommands = {
        VolumeCommand.Create.class, VolumeCommand.ListVolumes.class, VolumeCommand.Show.class,
        VolumeCommand.Resize.class, VolumeCommand.Delete.class})
final class VolumeCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "missing command (create, list, show, resize or delete)");
  }

  /** What every volume subcommand shares: how to reach the node and how to print. */
  abstract static class Subcommand implements Callable<Integer> {
    @Mixin AdminOptions admin;
    @Spec CommandSpec spec;

    Output output() {
      return new Output(spec.commandLine().getOut(), admin.json);
    }
  }

  @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a thin volume.")
  static final class Create extends Subcommand {
    @Parameters(index = "0", paramLabel = "NAME") String name;

    @Parameters(index = "1", paramLabel = "SIZE", converter = Converters.Size.class,
        description = "Size the clients see: 10G, 512M, 1T or bytes.")
    long size;

    @Option(names = "--block-size", paramLabel = "BYTES", defaultValue = "512",
        description = "Logical block size: 512 or 4096 (default 512).")
    int blockSize;

    @Option(names = "--snippet-size", paramLabel = "SIZE", converter = Converters.Size.class, defaultValue = "0",
        description = "Bytes per snippet (default: the store's).")
    long snippetSize;

    @Option(names = "--compression", description = "Compress stored data with lz4.")
    boolean compression;

    @Override
    public Integer call() {
      if (blockSize != 512 && blockSize != 4096) {
        throw new ParameterException(spec.commandLine(), "invalid --block-size " + blockSize + ": must be 512 or 4096");
      }
      if (snippetSize > Integer.MAX_VALUE) {
        throw new ParameterException(spec.commandLine(), "invalid --snippet-size: too large");
      }
      output().volume(VolumeView.of(admin.call(c -> c.create(name, size, (int) snippetSize, blockSize, compression))));
      return 0;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List the volumes.")
  static final class ListVolumes extends Subcommand {
    @Override
    public Integer call() {
      output().volumes(admin.call(c -> c.list()).stream().map(VolumeView::of).toList());
      return 0;
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true,
      description = "Show one volume: provisioned vs used bytes, geometry, I/O.")
  static final class Show extends Subcommand {
    @Parameters(index = "0", paramLabel = "NAME") String name;

    @Override
    public Integer call() {
      output().volume(VolumeView.of(admin.call(c -> c.show(name))));
      return 0;
    }
  }

  @Command(name = "resize", mixinStandardHelpOptions = true, description = "Grow a volume online.")
  static final class Resize extends Subcommand {
    @Parameters(index = "0", paramLabel = "NAME") String name;

    @Parameters(index = "1", paramLabel = "SIZE", converter = Converters.Size.class,
        description = "The new size: 20G, 1T or bytes. Shrinking is refused.")
    long size;

    @Override
    public Integer call() {
      output().volume(VolumeView.of(admin.call(c -> c.resize(name, size))));
      return 0;
    }
  }

  @Command(name = "delete", mixinStandardHelpOptions = true,
      description = "Delete a volume and all its data.")
  static final class Delete extends Subcommand {
    @Parameters(index = "0", paramLabel = "NAME") String name;

    @Override
    public Integer call() {
      admin.call(c -> {
        c.delete(name);
        return null;
      });
      Output out = output();
      if (out.isJson()) {
        out.json(Map.of("deleted", name));
      } else {
        out.println("deleted volume " + name);
      }
      return 0;
    }
  }
}
