package org.snipblock.store;

import java.util.List;
import java.util.Optional;
import org.snipblock.block.BlockDeviceCatalog;
import org.snipblock.store.qos.BackgroundBudget;

/**
 * Volume administration as the node's admin API sees it. The local {@link SnippetStore} is one
 * implementation; the cluster's replicated volume manager is another. Failures are reported as
 * {@link VolumeAdminException} with a message fit to show an operator as it is.
 */
public interface VolumeManager extends BlockDeviceCatalog {

  VolumeInfo create(VolumeSpec spec);

  List<VolumeInfo> list();

  Optional<VolumeInfo> show(String name);

  /** Grows a volume online; shrinking is refused (it would silently destroy tenant data). */
  VolumeInfo resize(String name, long newSize);

  /** Deletes the volume and all its snippets; open handles fail with UNAVAILABLE afterwards. */
  void delete(String name);

  /**
   * The budget the node's background work asks before each piece (see {@link BackgroundBudget});
   * a manager without background work of its own has one without a cap.
   */
  default BackgroundBudget background() {
    return BackgroundBudget.uncapped();
  }
}
