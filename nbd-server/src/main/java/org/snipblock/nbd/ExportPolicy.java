package org.snipblock.nbd;

import java.net.InetSocketAddress;
import java.util.Collection;
import java.util.List;

/**
 * Who may use one export and how.
 *
 * @param readOnly          serve the export read-only even if the device is writable
 * @param allowedAddresses  client IP addresses or CIDR blocks ("10.0.0.0/8", "::1"); empty = any
 * @param allowedCertificateNames  names (subject CN or DNS subject alternative name) of TLS client
 *     certificates (when restricted). When addresses and names both restrict, a client must satisfy both.
 * @param description       shown to clients as NBD_INFO_DESCRIPTION; null or empty = none
 * @param certificateNamesRestricted only clients whose certificate has an allowed name get in (none
 *     if the list is empty); false: any client, with or without a certificate
 */
public record ExportPolicy(
    boolean readOnly,
    List<String> allowedAddresses,
    List<String> allowedCertificateNames,
    String description,
    boolean certificateNamesRestricted) {

  /** As configured in a file: an empty name list means any client. */
  public ExportPolicy(boolean readOnly, List<String> allowedAddresses, List<String> allowedCertificateNames,
      String description) {
    this(readOnly, allowedAddresses, allowedCertificateNames, description, !allowedCertificateNames.isEmpty());
  }

  public ExportPolicy {
    allowedAddresses = List.copyOf(allowedAddresses);
    allowedCertificateNames = List.copyOf(allowedCertificateNames);
    // Parse now so a bad entry is a configuration error, not a surprise at connect time.
    AddressAllowList.parse(allowedAddresses);
  }

  /** Writable, open to every client, no description. */
  public static final ExportPolicy OPEN = new ExportPolicy(false, List.of(), List.of(), null);

  /**
   * Whether a client at {@code client} (null if not an IP peer) presenting a certificate with these names (empty without
   * TLS or without a client certificate) may use the export.
   */
  public boolean admits(InetSocketAddress client, Collection<String> certificateNames) {
    AddressAllowList addresses = AddressAllowList.parse(allowedAddresses);
    boolean addressOk = addresses.isEmpty() || (client != null && addresses.admits(client));
    boolean nameOk = !certificateNamesRestricted
        || certificateNames.stream().anyMatch(allowedCertificateNames::contains);
    return addressOk && nameOk;
  }

  public ExportPolicy withReadOnly(boolean ro) {
    return new ExportPolicy(ro, allowedAddresses, allowedCertificateNames, description, certificateNamesRestricted);
  }

  public ExportPolicy withAllowedAddresses(List<String> addresses) {
    return new ExportPolicy(readOnly, addresses, allowedCertificateNames, description, certificateNamesRestricted);
  }

  public ExportPolicy withAllowedCertificateNames(List<String> names) {
    return new ExportPolicy(readOnly, allowedAddresses, names, description);
  }

  /** This policy and another name list both admitting: only names in both get in (none if none is). */
  public ExportPolicy restrictedToCertificateNames(Collection<String> names) {
    List<String> both = names.stream().filter(n -> !certificateNamesRestricted
        || allowedCertificateNames.contains(n)).sorted().toList();
    return new ExportPolicy(readOnly, allowedAddresses, both, description, true);
  }

  public ExportPolicy withDescription(String text) {
    return new ExportPolicy(readOnly, allowedAddresses, allowedCertificateNames, text, certificateNamesRestricted);
  }
}
