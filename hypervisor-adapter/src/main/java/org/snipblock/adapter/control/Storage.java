package org.snipblock.adapter.control;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;
import org.snipblock.adapter.records.AdminNodes;
import org.snipblock.node.admin.v1.SetVolumeAccessRequest;

/** The volume operations tasks need, each harmless when repeated (create what is missing, delete what is there). */
final class Storage {
  private final AdminNodes admin;

  Storage(AdminNodes admin) {
    this.admin = admin;
  }

  boolean exists(String volume) {
    try {
      admin.call(c -> c.show(volume));
      return true;
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        return false;
      }
      throw e;
    }
  }

  /** A copy-on-write clone of {@code template@snapshot}, grown to {@code size}. */
  void cloneOf(String template, String snapshot, String volume, long size) {
    if (!exists(volume)) {
      admin.call(c -> c.cloneVolume(template, snapshot, volume, size));
    }
  }

  void create(String volume, long size) {
    if (!exists(volume)) {
      admin.call(c -> c.create(volume, size, 0, 0, false));
    }
  }

  void delete(String volume) {
    if (exists(volume)) {
      admin.call(c -> {
        c.delete(volume);
        return null;
      });
    }
  }

  /**
   * Makes a volume follow its VM into {@code site} ({@code volume migrate --to-site}, asked of its
   * primary among the admin nodes): copies there, catch-up, sync, primary there. A volume whose
   * primary is there already is left as it is. Returns the steps the primary reported.
   */
  List<String> follow(String volume, String site) {
    try {
      return admin.callUntil(c -> c.migrate(volume, site, 0), e -> e.getStatus().getDescription() != null
          && e.getStatus().getDescription().contains("is not the primary of")).getStepsList();
    } catch (StatusRuntimeException e) {
      String why = e.getStatus().getDescription();
      if (why != null && why.contains("already is in site " + site)) {
        return List.of("primary already in site " + site);
      }
      throw e;
    }
  }

  /** Lets {@code allow} in and shuts {@code revoke} out of every door, on every volume (one call each). */
  void access(List<String> volumes, String allow, String revoke) {
    for (String v : volumes) {
      SetVolumeAccessRequest.Builder r = SetVolumeAccessRequest.newBuilder().setVolume(v);
      if (allow != null) {
        r.addAllowInitiators(allow);
      }
      if (revoke != null && !revoke.equals(allow)) {
        r.addRevokeInitiators(revoke);
      }
      admin.call(c -> c.setVolumeAccess(r.build()));
    }
  }
}
