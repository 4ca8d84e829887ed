package org.snipblock.nbd;

/** Whether the server offers TLS (NBD_OPT_STARTTLS) and whether it insists on it. */
public enum TlsMode {
  /** No TLS: STARTTLS is answered NBD_REP_ERR_POLICY. */
  OFF,
  /** TLS on the client's request; plaintext is served too. */
  ALLOWED,
  /** FORCEDTLS: every option but STARTTLS and ABORT is refused until TLS is up. */
  REQUIRED
}
