package org.snipblock.node.admin;

import io.grpc.Context;
import io.grpc.Status;

/**
 * Who makes an admin call: the operator (everything), or a tenant (only its own volumes and its own
 * tenant record). Without {@code admin.auth} every caller is the operator.
 */
public record Caller(String tenant) {
  public static final Caller OPERATOR = new Caller(null);
  static final Context.Key<Caller> KEY = Context.keyWithDefault("snipblock-caller", OPERATOR);

  /** The caller of the call being served. */
  public static Caller current() {
    return KEY.get();
  }

  public boolean operator() {
    return tenant == null;
  }

  /** Refuses a tenant's call that only the operator may make. */
  public void requireOperator(String what) {
    if (!operator()) {
      throw Status.PERMISSION_DENIED.withDescription("tenant " + tenant + " may not " + what + " (operator only)")
          .asRuntimeException();
    }
  }

  /** Refuses a tenant's call on a volume that is not its own; the same answer as for a volume that does not exist. */
  public void requireOwner(String volume, String owner) {
    if (!operator() && !tenant.equals(owner)) {
      throw Status.NOT_FOUND.withDescription("no volume named " + volume).asRuntimeException();
    }
  }

  @Override
  public String toString() {
    return operator() ? "operator" : "tenant " + tenant;
  }
}
