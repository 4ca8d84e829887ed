package org.snipblock.adapter.seed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.node.OperatorError;
import org.snipblock.node.testing.Tools;

class SeedDiskTest {
  private static final String KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHx0 operator@desk";

  @TempDir Path dir;

  @Test
  void writesAVfatImageLabelledCidataWithMetaAndUserData() {
    Tools.require("mkfs.vfat", "mcopy", "mlabel", "mtype");
    Path image = dir.resolve("seed.img");
    SeedDisk.write(new GuestIdentity("vm-7f3a", "web1", List.of(KEY), null), image);

    assertThat(Tools.run(10, "mlabel", "-i", image.toString(), "-s", "::").ok().output()).contains("CIDATA");
    assertThat(Tools.run(10, "mtype", "-i", image.toString(), "::meta-data").ok().output())
        .isEqualTo("instance-id: vm-7f3a\nlocal-hostname: web1\npublic-keys:\n- " + KEY + "\n");
    assertThat(Tools.run(10, "mtype", "-i", image.toString(), "::user-data").ok().output())
        .isEqualTo("#cloud-config\nhostname: web1\nssh_authorized_keys:\n- " + KEY + "\n");

    // the operator's user data is passed as it is, and a second write replaces the image
    SeedDisk.write(new GuestIdentity("vm-7f3a", "web2", List.of(), "#!/bin/sh\necho hi\n"), image);
    assertThat(Tools.run(10, "mtype", "-i", image.toString(), "::user-data").ok().output())
        .isEqualTo("#!/bin/sh\necho hi\n");
    assertThat(Tools.run(10, "mtype", "-i", image.toString(), "::meta-data").ok().output())
        .isEqualTo("instance-id: vm-7f3a\nlocal-hostname: web2\n");
  }

  @Test
  void refusesIdentitiesAGuestWouldChokeOn() {
    assertThatThrownBy(() -> new GuestIdentity("i", "Web_1", List.of(), null))
        .isInstanceOf(OperatorError.class).hasMessageStartingWith("bad hostname 'Web_1'");
    assertThatThrownBy(() -> new GuestIdentity("i", "a".repeat(64), List.of(), null))
        .isInstanceOf(OperatorError.class).hasMessageStartingWith("bad hostname");
    assertThatThrownBy(() -> new GuestIdentity("i", "-web", List.of(), null))
        .isInstanceOf(OperatorError.class).hasMessageStartingWith("bad hostname");
    assertThatThrownBy(() -> new GuestIdentity("i", "web", List.of("ssh-rsa AAAA\nrm -rf /"), null))
        .isInstanceOf(OperatorError.class).hasMessageStartingWith("not an ssh public key");
    assertThatThrownBy(() -> new GuestIdentity("i", "web", List.of("hello"), null))
        .isInstanceOf(OperatorError.class).hasMessageStartingWith("not an ssh public key");
    assertThatThrownBy(() -> new GuestIdentity("i\nx", "web", List.of(), null))
        .isInstanceOf(OperatorError.class).hasMessageStartingWith("an instance id must be one non-empty line");
    assertThatThrownBy(() -> new GuestIdentity("i", "web", List.of(), "x".repeat(GuestIdentity.MAX_USER_DATA + 1)))
        .isInstanceOf(OperatorError.class).hasMessageContaining("at most 65536 fit a seed disk");
    assertThat(new GuestIdentity("i", "db-1.eu1.example", List.of(KEY), "").hostname()).isEqualTo("db-1.eu1.example");
  }
}
