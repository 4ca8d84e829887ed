package org.snipblock.node.admin;

import io.grpc.stub.StreamObserver;
import org.snipblock.node.admin.v1.DeleteTenantResponse;
import org.snipblock.node.admin.v1.ListTenantsRequest;
import org.snipblock.node.admin.v1.Tenant;
import org.snipblock.node.admin.v1.TenantChange;
import org.snipblock.node.admin.v1.TenantList;
import org.snipblock.node.admin.v1.TenantRequest;
import org.snipblock.node.admin.v1.TenantsGrpc;
import org.snipblock.node.tenant.TenantBook;
import org.snipblock.node.tenant.TenantLimits;
import org.snipblock.node.tenant.TenantQuotas;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The admin API's tenant calls: the operator manages tenants; a tenant sees only its own record and usage. */
public final class TenantService extends TenantsGrpc.TenantsImplBase {
  private static final Logger log = LoggerFactory.getLogger(TenantService.class);

  private final TenantAccounts accounts;
  private final TenantBook book;

  private final AdminCalls calls;

  public TenantService(TenantAccounts accounts) {
    this.calls = new AdminCalls(null);
    this.accounts = accounts;
    this.book = accounts.book();
  }

  @Override
  public void createTenant(TenantChange req, StreamObserver<Tenant> out) {
    calls.answer(out, "create tenant " + req.getName(), () -> {
      Caller.current().requireOperator("create tenants");
      TenantLimits limits = limits(TenantLimits.NONE, req.getLimits());
      book.create(name(req.getName()), limits);
      log.info("created tenant {} ({})", req.getName(), limits.text());
      return show(req.getName());
    });
  }

  @Override
  public void setTenant(TenantChange req, StreamObserver<Tenant> out) {
    calls.answer(out, "change tenant " + req.getName(), () -> {
      Caller.current().requireOperator("change tenants");
      synchronized (book.lock()) {
        TenantLimits limits = limits(book.existing(req.getName()), req.getLimits());
        TenantGate.quota(() -> TenantQuotas.checkNewCeilings(req.getName(), limits, accounts.quotaUsage(req.getName())));
        book.set(req.getName(), limits);
        log.info("tenant {}: limits {}", req.getName(), limits.text());
      }
      return show(req.getName());
    });
  }

  @Override
  public void showTenant(TenantRequest req, StreamObserver<Tenant> out) {
    calls.answer(out, "show tenant " + req.getName(), () -> {
      Caller caller = Caller.current();
      if (!caller.operator() && !caller.tenant().equals(req.getName())) {
        throw io.grpc.Status.NOT_FOUND.withDescription("no tenant named " + req.getName()).asRuntimeException();
      }
      return show(req.getName());
    });
  }

  @Override
  public void listTenants(ListTenantsRequest req, StreamObserver<TenantList> out) {
    calls.answer(out, "list tenants", () -> {
      Caller caller = Caller.current();
      TenantList.Builder b = TenantList.newBuilder();
      for (String t : book.tenants().keySet()) {
        if (caller.operator() || caller.tenant().equals(t)) {
          b.addTenants(show(t));
        }
      }
      return b.build();
    });
  }

  @Override
  public void deleteTenant(TenantRequest req, StreamObserver<DeleteTenantResponse> out) {
    calls.answer(out, "delete tenant " + req.getName(), () -> {
      Caller.current().requireOperator("delete tenants");
      book.delete(req.getName());
      log.info("deleted tenant {}", req.getName());
      return DeleteTenantResponse.getDefaultInstance();
    });
  }

  private Tenant show(String name) {
    TenantLimits limits = book.existing(name);
    return Tenant.newBuilder().setName(name).setLimits(limits.text()).addAllVolumes(book.volumesOf(name))
        .setUsage(accounts.usage(name)).build();
  }

  private static String name(String name) {
    try {
      return org.snipblock.node.tenant.TenantName.check(name);
    } catch (IllegalArgumentException e) {
      throw AdminErrors.invalid(e.getMessage());
    }
  }

  private static TenantLimits limits(TenantLimits base, String text) {
    try {
      return base.with(text);
    } catch (IllegalArgumentException e) {
      throw AdminErrors.invalid(e.getMessage());
    }
  }
}
