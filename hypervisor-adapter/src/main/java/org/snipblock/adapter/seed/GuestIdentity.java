package org.snipblock.adapter.seed;

import java.util.List;
import java.util.regex.Pattern;
import org.snipblock.node.OperatorError;

/**
 * What makes one VM itself inside the guest: its instance id, hostname, the ssh keys allowed in and
 * the operator's user data (cloud-init's conventions). Checked here, so a seed disk never carries a
 * name or key the guest would choke on.
 */
public record GuestIdentity(String instanceId, String hostname, List<String> sshKeys, String userData) {
  private static final Pattern HOSTNAME =
      Pattern.compile("(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");
  private static final Pattern SSH_KEY = Pattern.compile("(ssh-[a-z0-9-]+|ecdsa-[a-z0-9-]+|sk-[a-z0-9@.-]+) [A-Za-z0-9+/=]+( [^\\n]*)?");
  /** cloud-init reads user data whole; a seed disk is not a place for large files. */
  public static final int MAX_USER_DATA = 64 * 1024;

  public GuestIdentity {
    if (instanceId == null || instanceId.isBlank() || instanceId.contains("\n")) {
      throw new OperatorError("an instance id must be one non-empty line");
    }
    if (hostname == null || !HOSTNAME.matcher(hostname).matches()) {
      throw new OperatorError("bad hostname '" + hostname
          + "': lower-case letters, digits and '-', dot-separated labels of at most 63 characters");
    }
    sshKeys = List.copyOf(sshKeys == null ? List.of() : sshKeys);
    for (String key : sshKeys) {
      if (!SSH_KEY.matcher(key).matches()) {
        throw new OperatorError("not an ssh public key (one line: TYPE BASE64 [COMMENT]): "
            + (key.length() > 40 ? key.substring(0, 40) + "..." : key));
      }
    }
    if (userData != null && userData.length() > MAX_USER_DATA) {
      throw new OperatorError("user data is " + userData.length() + " bytes; at most " + MAX_USER_DATA + " fit a seed disk");
    }
  }
}
