package org.snipblock.node.admin;

import io.grpc.Status;
import java.util.Optional;
import java.util.function.BiConsumer;
import org.snipblock.node.admin.v1.AdminGrpc;
import org.snipblock.node.admin.v1.CloneVolumeRequest;
import org.snipblock.node.admin.v1.CreateVolumeRequest;
import org.snipblock.node.admin.v1.DeleteVolumeRequest;
import org.snipblock.node.admin.v1.DeleteSnapshotRequest;
import org.snipblock.node.admin.v1.ListSnapshotsRequest;
import org.snipblock.node.admin.v1.ListVolumesRequest;
import org.snipblock.node.admin.v1.RollbackVolumeRequest;
import org.snipblock.node.admin.v1.SnapshotVolumesRequest;
import org.snipblock.node.admin.v1.ListVolumesResponse;
import org.snipblock.node.admin.v1.QosGrpc;
import org.snipblock.node.admin.v1.ResizeVolumeRequest;
import org.snipblock.node.admin.v1.SetVolumeQosRequest;
import org.snipblock.node.admin.v1.ShowVolumeQosRequest;
import org.snipblock.node.admin.v1.ShowVolumeRequest;
import org.snipblock.node.admin.v1.TenantsGrpc;
import org.snipblock.node.admin.v1.UsageGrpc;
import org.snipblock.node.admin.v1.Volume;
import org.snipblock.node.admin.v1.VolumeQos;
import org.snipblock.node.tenant.TenantBook;
import org.snipblock.node.tenant.TenantLimits;
import org.snipblock.node.tenant.TenantQuotas;
import org.snipblock.store.VolumeInfo;
import org.snipblock.store.qos.QosLimits;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tenancy around the volume calls of the admin API: who may touch a volume (a tenant only its own),
 * the quotas checked before a volume is created, cloned, grown or given limits (nothing changes on a
 * refusal), and which tenant owns a volume, recorded as it is created and dropped as it is deleted.
 * A tenant may call only the volume calls hooked here and the tenant calls; everything else is the
 * operator's.
 */
final class TenantGate {
  private static final Logger log = LoggerFactory.getLogger(TenantGate.class);

  private final TenantAccounts accounts;
  private final TenantBook book;
  /** Gives a volume limits (a clone gets its parent's). */
  private final BiConsumer<String, QosLimits> setLimits;

  TenantGate(TenantAccounts accounts, BiConsumer<String, QosLimits> setLimits) {
    this.accounts = accounts;
    this.book = accounts.book();
    this.setLimits = setLimits;
  }

  CallHooks hooks() {
    return new CallHooks(this::operatorOnly)
        .on(AdminGrpc.getCreateVolumeMethod().getFullMethodName(), new CallHooks.Hook<CreateVolumeRequest, Volume>() {
          @Override
          public CreateVolumeRequest before(CreateVolumeRequest r) {
            return create(r);
          }

          @Override
          public Volume reply(Volume v) {
            return owned(v);
          }

          @Override
          public void after(CreateVolumeRequest r, boolean ok) {
            settle(r.getName(), r.getTenant(), ok);
          }
        })
        .on(AdminGrpc.getCloneVolumeMethod().getFullMethodName(), new CallHooks.Hook<CloneVolumeRequest, Volume>() {
          @Override
          public CloneVolumeRequest before(CloneVolumeRequest r) {
            return cloneOf(r);
          }

          @Override
          public Volume reply(Volume v) {
            return owned(v);
          }

          @Override
          public void after(CloneVolumeRequest r, boolean ok) {
            Optional<String> tenant = book.ownerOf(r.getVolume());
            settle(r.getName(), tenant.orElse(""), ok);
            if (ok && tenant.isPresent()) {
              QosLimits parent = accounts.limitsOf(r.getVolume());
              if (!parent.isNone()) {
                setLimits.accept(r.getName(), parent);
              }
            }
          }
        })
        .on(AdminGrpc.getShowVolumeMethod().getFullMethodName(), new CallHooks.Hook<ShowVolumeRequest, Volume>() {
          @Override
          public ShowVolumeRequest before(ShowVolumeRequest r) {
            mayTouch(r.getName());
            return r;
          }

          @Override
          public Volume reply(Volume v) {
            return owned(v);
          }
        })
        .on(AdminGrpc.getListVolumesMethod().getFullMethodName(),
            new CallHooks.Hook<ListVolumesRequest, ListVolumesResponse>() {
              @Override
              public ListVolumesRequest before(ListVolumesRequest r) {
                return r;
              }

              @Override
              public ListVolumesResponse reply(ListVolumesResponse all) {
                return visible(all);
              }
            })
        .on(AdminGrpc.getResizeVolumeMethod().getFullMethodName(), (CallHooks.Hook<ResizeVolumeRequest, Volume>) r -> {
          resize(r);
          return r;
        })
        .on(AdminGrpc.getDeleteVolumeMethod().getFullMethodName(), new CallHooks.Hook<DeleteVolumeRequest, Object>() {
          @Override
          public DeleteVolumeRequest before(DeleteVolumeRequest r) {
            mayTouch(r.getName());
            return r;
          }

          @Override
          public void after(DeleteVolumeRequest r, boolean ok) {
            if (ok) {
              book.release(r.getName());
            }
          }
        })
        // Snapshots of a tenant's own volumes are its own business.
        .on(AdminGrpc.getSnapshotVolumesMethod().getFullMethodName(), (CallHooks.Hook<SnapshotVolumesRequest, Object>) r -> {
          r.getVolumesList().forEach(this::mayTouch);
          return r;
        })
        .on(AdminGrpc.getListSnapshotsMethod().getFullMethodName(), (CallHooks.Hook<ListSnapshotsRequest, Object>) r -> {
          mayTouch(r.getVolume());
          return r;
        })
        .on(AdminGrpc.getDeleteSnapshotMethod().getFullMethodName(), (CallHooks.Hook<DeleteSnapshotRequest, Object>) r -> {
          mayTouch(r.getVolume());
          return r;
        })
        .on(AdminGrpc.getRollbackVolumeMethod().getFullMethodName(), (CallHooks.Hook<RollbackVolumeRequest, Object>) r -> {
          mayTouch(r.getVolume());
          return r;
        })
        .on(QosGrpc.getSetVolumeQosMethod().getFullMethodName(), (CallHooks.Hook<SetVolumeQosRequest, VolumeQos>) r -> {
          limits(r);
          return r;
        })
        .on(QosGrpc.getShowVolumeQosMethod().getFullMethodName(), (CallHooks.Hook<ShowVolumeQosRequest, VolumeQos>) r -> {
          mayTouch(r.getName());
          return r;
        });
  }

  private void operatorOnly(String method) {
    // The usage export gives a tenant's caller its own volumes' rows only (UsageService).
    if (!method.startsWith(TenantsGrpc.SERVICE_NAME + "/")
        && !method.equals(UsageGrpc.getExportUsageMethod().getFullMethodName())) {
      Caller.current().requireOperator("call " + method);
    }
  }

  private CreateVolumeRequest create(CreateVolumeRequest asked) {
    Caller caller = Caller.current();
    CreateVolumeRequest r = asked;
    if (!caller.operator()) {
      if (!r.getTenant().isEmpty() && !r.getTenant().equals(caller.tenant())) {
        throw Status.PERMISSION_DENIED.withDescription("tenant " + caller.tenant() + " may not create volumes for tenant "
            + r.getTenant()).asRuntimeException();
      }
      r = r.toBuilder().setTenant(caller.tenant()).build();
    }
    if (accounts.volume(r.getName()).isPresent()) {
      return r; // the create fails as ever
    }
    if (r.getTenant().isEmpty()) {
      // The operator's: an owner left behind by a volume deleted some other way (import's undo) must not adopt it.
      book.release(r.getName());
      return r;
    }
    return reserve(r);
  }

  private CreateVolumeRequest reserve(CreateVolumeRequest r) {
    QosLimits limits = parseQos(r.getQos());
    synchronized (book.lock()) {
      TenantLimits q = book.existing(r.getTenant());
      quota(() -> TenantQuotas.checkNewVolume(r.getTenant(), q, accounts.quotaUsage(r.getTenant()), r.getSizeBytes(), limits));
      accounts.reserve(r.getName(), r.getSizeBytes());
      book.assign(r.getName(), r.getTenant());
    }
    return r;
  }

  private CloneVolumeRequest cloneOf(CloneVolumeRequest r) {
    mayTouch(r.getVolume());
    Optional<String> tenant = book.ownerOf(r.getVolume());
    if (tenant.isEmpty() || accounts.volume(r.getName()).isPresent()) {
      return r;
    }
    long size = Math.max(r.getSizeBytes(), accounts.volume(r.getVolume()).map(VolumeInfo::provisionedBytes).orElse(0L));
    QosLimits parent = accounts.limitsOf(r.getVolume());
    synchronized (book.lock()) {
      TenantLimits q = book.existing(tenant.get());
      quota(() -> TenantQuotas.checkNewVolume(tenant.get(), q, accounts.quotaUsage(tenant.get()), size, parent));
      accounts.reserve(r.getName(), size);
      book.assign(r.getName(), tenant.get());
    }
    return r;
  }

  /** After a create or clone: the reservation ends; a failed one gives the name back. */
  private void settle(String volume, String tenant, boolean ok) {
    if (tenant.isEmpty()) {
      return;
    }
    accounts.unreserve(volume);
    if (!ok && accounts.volume(volume).isEmpty()) {
      book.release(volume);
    } else if (ok) {
      log.info("volume {} belongs to tenant {}", volume, tenant);
    }
  }

  private void resize(ResizeVolumeRequest r) {
    Optional<String> tenant = mayTouch(r.getName());
    Optional<VolumeInfo> v = accounts.volume(r.getName());
    if (tenant.isEmpty() || v.isEmpty()) {
      return;
    }
    synchronized (book.lock()) {
      TenantLimits q = book.existing(tenant.get());
      quota(() -> TenantQuotas.checkResize(tenant.get(), q, accounts.quotaUsage(tenant.get()),
          v.get().provisionedBytes(), r.getNewSizeBytes()));
    }
  }

  private void limits(SetVolumeQosRequest r) {
    Optional<String> tenant = mayTouch(r.getName());
    if (tenant.isEmpty() || r.getQos().isEmpty()) {
      return;
    }
    QosLimits limits = parseQos(r.getQos());
    synchronized (book.lock()) {
      TenantLimits q = book.existing(tenant.get());
      quota(() -> TenantQuotas.checkLimits(tenant.get(), q, accounts.quotaUsage(tenant.get()), r.getName(), limits));
    }
  }

  /** The volume's owner, after refusing a tenant that is not it. */
  private Optional<String> mayTouch(String volume) {
    Optional<String> owner = book.ownerOf(volume);
    Caller.current().requireOwner(volume, owner.orElse(null));
    return owner;
  }

  private Volume owned(Volume v) {
    return book.ownerOf(v.getName()).map(t -> v.toBuilder().setTenant(t).build()).orElse(v);
  }

  private ListVolumesResponse visible(ListVolumesResponse all) {
    Caller caller = Caller.current();
    java.util.Map<String, String> owners = book.owners();
    ListVolumesResponse.Builder b = ListVolumesResponse.newBuilder();
    for (Volume v : all.getVolumesList()) {
      String owner = owners.get(v.getName());
      if (caller.operator() || caller.tenant().equals(owner)) {
        b.addVolumes(owner == null ? v : v.toBuilder().setTenant(owner).build());
      }
    }
    return b.build();
  }

  private static QosLimits parseQos(String text) {
    try {
      return text.isEmpty() ? QosLimits.none() : QosLimits.parse(text);
    } catch (IllegalArgumentException e) {
      throw AdminErrors.invalid(e.getMessage());
    }
  }

  static void quota(Runnable check) {
    try {
      check.run();
    } catch (TenantQuotas.Exceeded e) {
      log.info("refused by quota ({}): {}", Caller.current(), e.getMessage());
      throw Status.RESOURCE_EXHAUSTED.withDescription(e.getMessage()).asRuntimeException();
    }
  }
}
