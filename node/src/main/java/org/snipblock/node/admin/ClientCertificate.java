package org.snipblock.node.admin;

import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * The name a client certificate gives its holder: the CN of its subject (as {@code certs init
 * --client NAME} makes it), read from a TLS session whose handshake checked it against
 * {@code admin.tls.client-ca}. The admin API and the HTTP port both ask this, so a certificate
 * names the same caller on both.
 */
public final class ClientCertificate {
  private ClientCertificate() {}

  /** The CN of the session's client certificate; null without a session, a certificate or a CN. */
  public static String nameOf(SSLSession session) {
    if (session == null) {
      return null;
    }
    try {
      Certificate[] chain = session.getPeerCertificates();
      if (chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
        return null;
      }
      for (Rdn rdn : new LdapName(leaf.getSubjectX500Principal().getName()).getRdns()) {
        if (rdn.getType().equalsIgnoreCase("CN")) {
          return rdn.getValue().toString();
        }
      }
      return null;
    } catch (SSLPeerUnverifiedException | InvalidNameException e) {
      return null;
    }
  }
}
