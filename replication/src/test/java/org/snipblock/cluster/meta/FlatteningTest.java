package org.snipblock.cluster.meta;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.snipblock.cluster.proto.CloneFlattened;
import org.snipblock.cluster.proto.CopyUnshared;
import org.snipblock.cluster.proto.FlattenClone;
import org.snipblock.cluster.proto.MetaCommand;
import org.snipblock.cluster.proto.MetaResult;
import org.snipblock.cluster.proto.SnippetPlacement;
import org.snipblock.cluster.proto.VolumeRecord;

class FlatteningTest {
  private final Map<String, VolumeRecord> volumes = new HashMap<>();

  private MetaResult apply(MetaCommand cmd) {
    return Flattening.apply(cmd, volumes::get, v -> {
      volumes.put(v.getName(), v);
      return MetaResult.newBuilder().setOk(true).setVolume(v).build();
    });
  }

  private static MetaCommand flatten(String name) {
    return MetaCommand.newBuilder().setFlattenClone(FlattenClone.newBuilder().setName(name)).build();
  }

  private static MetaCommand flattened(String name, String node) {
    return MetaCommand.newBuilder().setCloneFlattened(CloneFlattened.newBuilder().setName(name).setNode(node)).build();
  }

  private static MetaCommand unshared(String name, String node) {
    return MetaCommand.newBuilder().setCopyUnshared(CopyUnshared.newBuilder().setName(name).setNode(node)).build();
  }

  @Test
  void theLastHolderToReportDropsTheParentLink() {
    volumes.put("base", VolumeRecord.newBuilder().setName("base").build());
    volumes.put("vm", VolumeRecord.newBuilder().setName("vm").setParent("base").setParentSnapshot("s1").setParentUid(7)
        .addSnippets(SnippetPlacement.newBuilder().addNodes("n1").addNodes("n2"))
        .addSnippets(SnippetPlacement.newBuilder().addNodes("n2").addNodes("n3")).build());

    assertThat(apply(flatten("nope")).getError()).isEqualTo("no volume named nope");
    assertThat(apply(flatten("base")).getError()).isEqualTo("volume base is not a clone: it reads from no parent");
    assertThat(apply(unshared("vm", "n3")).getVolume().getUnsharedList()).containsExactly("n3");
    assertThat(Flattening.unshared(volumes.get("vm"))).containsExactly("n3");

    assertThat(apply(flatten("vm")).getOk()).isTrue();
    assertThat(Flattening.waitingFor(volumes.get("vm"))).containsExactly("n1", "n2", "n3");
    MetaResult again = apply(flatten("vm"));
    assertThat(again.getOk()).isFalse();
    assertThat(again.getError()).isEqualTo("volume vm is being flattened already (waiting for n1, n2, n3)");

    apply(flattened("vm", "n2"));
    apply(flattened("vm", "n2"));
    apply(flattened("vm", "n1"));
    assertThat(volumes.get("vm").getParent()).isEqualTo("base");
    assertThat(Flattening.waitingFor(volumes.get("vm"))).containsExactly("n3");
    VolumeRecord done = apply(flattened("vm", "n3")).getVolume();
    assertThat(done.getParent()).isEmpty();
    assertThat(done.getParentSnapshot()).isEmpty();
    assertThat(done.getFlattening()).isFalse();
    assertThat(Flattening.unshared(done)).isEmpty();
    assertThat(apply(flattened("vm", "n1")).getVolume()).isEqualTo(done);

    // A holder that never reported goes from the record: a report sent again closes the flatten.
    volumes.put("vm2", done.toBuilder().setName("vm2").setParent("base").setParentSnapshot("s1").build());
    apply(flatten("vm2"));
    apply(flattened("vm2", "n1"));
    apply(flattened("vm2", "n2"));
    volumes.put("vm2", volumes.get("vm2").toBuilder().setSnippets(1, SnippetPlacement.newBuilder().addNodes("n2")
        .addNodes("n1")).build());
    assertThat(Flattening.waitingFor(volumes.get("vm2"))).isEmpty();
    assertThat(apply(flattened("vm2", "n1")).getVolume().getParent()).isEmpty();
    assertThat(apply(flatten("vm")).getError()).isEqualTo("volume vm is not a clone: it reads from no parent");
  }
}
