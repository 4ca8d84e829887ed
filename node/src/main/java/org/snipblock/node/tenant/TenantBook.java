package org.snipblock.node.tenant;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.snipblock.store.VolumeAdminException;
import org.snipblock.store.VolumeAdminException.Reason;

/**
 * The tenants and which tenant owns which volume, kept in a {@link SettingSpace}. Ownership is
 * keyed by volume name and recorded by the admin API around create, clone and delete; a volume
 * with no owner is the operator's. Callers that check a quota and then change hold {@link #lock()}.
 */
public final class TenantBook {
  static final String TENANTS = "snipblock.tenant";
  static final String OWNERS = "snipblock.tenant-of";

  private final SettingSpace space;
  private final Object lock = new Object();

  public TenantBook(SettingSpace space) {
    this.space = space;
  }

  /** Held around a quota check and the change it allows, so two calls on this node cannot both pass. */
  public Object lock() {
    return lock;
  }

  public Optional<TenantLimits> limits(String tenant) {
    return space.get(TENANTS, tenant).map(TenantLimits::parse);
  }

  public TenantLimits existing(String tenant) {
    return limits(tenant).orElseThrow(() -> new VolumeAdminException(Reason.NOT_FOUND, "no tenant named " + tenant));
  }

  /** Every tenant and its limits, by name. */
  public Map<String, TenantLimits> tenants() {
    Map<String, String> raw = space.list(TENANTS);
    Map<String, TenantLimits> out = new java.util.TreeMap<>();
    raw.forEach((k, v) -> out.put(k, TenantLimits.parse(v)));
    return out;
  }

  public void create(String tenant, TenantLimits limits) {
    TenantName.check(tenant);
    synchronized (lock) {
      if (limits(tenant).isPresent()) {
        throw new VolumeAdminException(Reason.ALREADY_EXISTS, "tenant " + tenant + " already exists");
      }
      space.put(TENANTS, tenant, limits.text());
    }
  }

  public void set(String tenant, TenantLimits limits) {
    space.put(TENANTS, tenant, limits.text());
  }

  /** Refused while the tenant owns volumes, naming them. */
  public void delete(String tenant) {
    synchronized (lock) {
      existing(tenant);
      List<String> owned = volumesOf(tenant);
      if (!owned.isEmpty()) {
        throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "tenant " + tenant + " still owns "
            + owned.size() + " volume" + (owned.size() == 1 ? "" : "s") + ": " + String.join(", ", owned)
            + "; delete them first");
      }
      space.delete(TENANTS, tenant);
    }
  }

  public Optional<String> ownerOf(String volume) {
    return space.get(OWNERS, volume);
  }

  public void assign(String volume, String tenant) {
    space.put(OWNERS, volume, tenant);
  }

  public void release(String volume) {
    if (ownerOf(volume).isPresent()) {
      space.delete(OWNERS, volume);
    }
  }

  /** The tenant's volumes, by name. */
  public List<String> volumesOf(String tenant) {
    return space.list(OWNERS).entrySet().stream().filter(e -> e.getValue().equals(tenant)).map(Map.Entry::getKey)
        .sorted().toList();
  }

  /** Every owned volume and its tenant. */
  public Map<String, String> owners() {
    return space.list(OWNERS);
  }
}
