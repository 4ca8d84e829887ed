package org.snipblock.adapter.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.snipblock.adapter.ExternalCommand;
import org.snipblock.adapter.Inventory;
import org.snipblock.adapter.model.TemplateRecord;
import org.snipblock.adapter.model.VmRecord;
import org.snipblock.adapter.records.Stored;
import org.snipblock.node.OperatorError;
import org.snipblock.node.admin.v1.NodeStatusResponse;
import org.snipblock.node.config.ByteSize;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code snipblock template add|list|show|delete}: the template library. A template is a read-only
 * volume and its snapshot {@value #SNAPSHOT}; a VM's system disk is a copy-on-write clone of it.
 */
@Command(name = "template", description = "The VM template library.", mixinStandardHelpOptions = true)
final class TemplateCommand {
  static final String SNAPSHOT = "template";
  private static final Duration UPLOAD_TIMEOUT = Duration.ofMinutes(30);

  @Spec CommandSpec spec;

  static final class Source {
    @Option(names = "--image", paramLabel = "FILE", description = "Raw disk image to upload into a new volume.")
    Path image;
    @Option(names = "--volume", paramLabel = "VOL", description = "An existing volume (made read-only).")
    String volume;
  }

  @Command(name = "add", mixinStandardHelpOptions = true, description = "Add a template from an image file or a volume.")
  void add(@Parameters(paramLabel = "NAME") String name,
      @ArgGroup(exclusive = true, multiplicity = "1") Source source,
      @Option(names = "--os", required = true, paramLabel = "ID") String os,
      @Option(names = "--min-disk", paramLabel = "SIZE") String minDisk,
      @Option(names = "--kernel", paramLabel = "FILE") String kernel,
      @Option(names = "--initrd", paramLabel = "FILE") String initrd,
      @Option(names = "--append", paramLabel = "CMDLINE") String append,
      @Mixin FleetOptions fleet) {
    long min = minDisk == null ? 0 : Sizes.parse("--min-disk", minDisk);
    if (source.image != null && !Files.isReadable(source.image)) {
      throw new OperatorError("cannot read image " + source.image);
    }
    if (kernel == null && (initrd != null || append != null)) {
      throw new OperatorError("--initrd and --append need --kernel");
    }
    TemplateRecord t = fleet.call(inv -> {
      if (inv.templates.get(name).isPresent()) {
        throw new OperatorError("template " + name + " exists");
      }
      String volume = source.volume != null ? source.volume : upload(inv, name, source.image);
      long size = inv.admin().call(c -> c.show(volume)).getProvisionedBytes();
      if (inv.admin().call(c -> c.snapshots(volume)).stream().noneMatch(s -> s.getName().equals(SNAPSHOT))) {
        inv.admin().call(c -> c.snapshot(List.of(volume), SNAPSHOT));
      }
      inv.admin().call(c -> c.setReadOnly(volume, true));
      TemplateRecord r = new TemplateRecord(name, volume, SNAPSHOT, os, size, Math.max(min, size), kernel, initrd, append);
      return inv.templates.create(name, r).value();
    });
    print(t, fleet);
  }

  /** A new volume {@code template-NAME} holding the image, written through the answering node's NBD door. */
  private static String upload(Inventory inv, String name, Path image) {
    String volume = "template-" + name;
    long size;
    try {
      size = (Files.size(image) + (1 << 20) - 1) & -(1L << 20);
    } catch (IOException e) {
      throw new OperatorError("cannot read image " + image + ": " + e.getMessage());
    }
    long bytes = size;
    inv.admin().call(c -> c.create(volume, bytes, 0, 0, false));
    try {
      NodeStatusResponse node = inv.admin().call(c -> c.status());
      ExternalCommand.run(UPLOAD_TIMEOUT, List.of("qemu-img", "convert", "-n", "-f", "raw", "-O", "raw",
          image.toString(), "nbd://" + node.getListen() + ":" + node.getNbdPort() + "/" + volume));
      return volume;
    } catch (RuntimeException e) {
      inv.admin().call(c -> {  // a half-written template is no template
        c.delete(volume);
        return null;
      });
      throw e;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "The templates.")
  void list(@Mixin FleetOptions fleet) {
    PrintWriter out = spec.commandLine().getOut();
    List<TemplateRecord> all = fleet.call(inv -> inv.templates.list().stream().map(Stored::value).toList());
    if (fleet.json) {
      Printer.json(out, all);
    } else if (all.isEmpty()) {
      out.println("no templates");
    } else {
      String f = "%-16s %-12s %-22s %10s %10s  %s%n";
      out.printf(f, "NAME", "OS", "VOLUME", "SIZE", "MIN-DISK", "BOOT");
      for (TemplateRecord t : all) {
        out.printf(f, t.name(), t.os(), t.volume() + "@" + t.snapshot(), ByteSize.format(t.sizeBytes()),
            ByteSize.format(t.minDiskBytes()), t.kernel() == null ? "firmware" : "kernel " + t.kernel());
      }
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true, description = "One template.")
  void show(@Parameters(paramLabel = "NAME") String name, @Mixin FleetOptions fleet) {
    print(fleet.call(inv -> inv.templates.get(name).map(Stored::value)
        .orElseThrow(() -> new OperatorError("no template named " + name))), fleet);
  }

  @Command(name = "delete", mixinStandardHelpOptions = true, description = "Remove a template from the library (its volume stays).")
  void delete(@Parameters(paramLabel = "NAME") String name, @Mixin FleetOptions fleet) {
    fleet.call(inv -> {
      if (inv.templates.get(name).isEmpty()) {
        throw new OperatorError("no template named " + name);
      }
      List<String> users = inv.vms.list().stream().map(Stored::value)
          .filter(v -> v.spec().disks().stream().anyMatch(d -> name.equals(d.template()))).map(VmRecord::name).toList();
      if (!users.isEmpty()) {
        throw new OperatorError("template " + name + " is the base of " + String.join(", ", users));
      }
      return inv.templates.delete(name, 0);
    });
    spec.commandLine().getOut().println("deleted template " + name);
  }

  private void print(TemplateRecord t, FleetOptions fleet) {
    PrintWriter out = spec.commandLine().getOut();
    if (fleet.json) {
      Printer.json(out, t);
      return;
    }
    out.printf("name:      %s%nos:        %s%nvolume:    %s@%s (read-only)%nsize:      %s%nmin disk:  %s%n", t.name(),
        t.os(), t.volume(), t.snapshot(), ByteSize.format(t.sizeBytes()), ByteSize.format(t.minDiskBytes()));
    if (t.kernel() != null) {
      out.printf("boot:      kernel %s, initrd %s, append \"%s\"%n", t.kernel(), t.initrd(), t.append());
    }
  }
}
