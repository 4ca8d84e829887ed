package org.snipblock.node.admin;

import io.grpc.ServerInterceptor;
import java.util.List;
import java.util.function.Function;
import org.snipblock.cluster.ClusterNode;
import org.snipblock.cluster.ClusterQos;
import org.snipblock.node.admin.v1.VolumeIo;
import org.snipblock.node.config.AdminAuth;
import org.snipblock.node.tenant.SettingSpace;
import org.snipblock.node.tenant.TenantBook;
import org.snipblock.store.SnippetStore;
import org.snipblock.store.StoreSettings;
import org.snipblock.store.VolumeManager;
import org.snipblock.store.VolumeQosStore;
import org.snipblock.store.qos.QosLimits;

/**
 * Tenancy on the admin API, wired for this node: tenants kept where QoS settings are (the cluster's
 * records, or a standalone node's store), their accounts, the service and the gate around volume calls.
 */
public final class AdminTenancy {
  private final TenantAccounts accounts;
  private final TenantGate gate;

  private AdminTenancy(TenantAccounts accounts, TenantGate gate) {
    this.accounts = accounts;
    this.gate = gate;
  }

  /**
   * @param qos the standalone node's QoS (null on a cluster)
   * @param io  the I/O a volume served through this node's doors
   */
  public static AdminTenancy of(VolumeManager volumes, ClusterNode cluster, StandaloneQos qos,
      Function<String, VolumeIo> io) {
    if (cluster != null) {
      TenantAccounts a = new TenantAccounts(new TenantBook(SettingSpace.of(cluster.records())), volumes,
          v -> cluster.qos().view(v).map(ClusterQos.View::limits).orElse(QosLimits.none()), io);
      return new AdminTenancy(a, new TenantGate(a, (v, l) -> cluster.volumes().setQos(v, l, null)));
    }
    if (volumes instanceof SnippetStore store && qos != null) {
      VolumeQosStore saved = new VolumeQosStore(store);
      TenantAccounts a = new TenantAccounts(new TenantBook(SettingSpace.of(new StoreSettings(store))), volumes,
          v -> saved.setting(v).limits(), io);
      return new AdminTenancy(a, new TenantGate(a, (v, l) -> qos.set(v, l, null)));
    }
    return null;
  }

  public TenantAccounts accounts() {
    return accounts;
  }

  public TenantService service() {
    return new TenantService(accounts);
  }

  /**
   * The interceptors of every admin service: the timer around the rest, the token check first, then
   * (with tenancy) the gate.
   *
   * @param tenancy null on a node without tenants (a volume manager of its own, in tests)
   */
  public static List<ServerInterceptor> interceptors(AdminTenancy tenancy, AdminAuth auth, AdminCallTimer timer) {
    // ServerInterceptors calls the last one first.
    return tenancy == null ? List.of(new TokenAuth(auth), timer) : List.of(tenancy.gate.hooks(), new TokenAuth(auth), timer);
  }
}
