package org.snipblock.nbd.handshake;

import io.netty.handler.ssl.SslHandler;
import java.security.cert.Certificate;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;

/** The names an allow-list can match in a verified TLS client certificate: subject CN and DNS SANs. */
final class PeerCertificateNames {
  private static final int SAN_DNS = 2;

  private PeerCertificateNames() {}

  static List<String> of(SslHandler ssl) {
    if (ssl == null) {
      return List.of();
    }
    Certificate[] chain;
    try {
      chain = ssl.engine().getSession().getPeerCertificates();
    } catch (SSLPeerUnverifiedException e) {
      return List.of();
    }
    if (chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
      return List.of();
    }
    List<String> names = new ArrayList<>();
    try {
      for (Rdn rdn : new LdapName(leaf.getSubjectX500Principal().getName()).getRdns()) {
        if (rdn.getType().equalsIgnoreCase("CN")) {
          names.add(rdn.getValue().toString());
        }
      }
    } catch (InvalidNameException e) {
      // An unparsable subject contributes no name; SANs may still match.
    }
    try {
      Collection<List<?>> sans = leaf.getSubjectAlternativeNames();
      if (sans != null) {
        for (List<?> san : sans) {
          if (((Integer) san.get(0)) == SAN_DNS) {
            names.add((String) san.get(1));
          }
        }
      }
    } catch (CertificateParsingException e) {
      // Same: the subject CN is still usable.
    }
    return names;
  }
}
