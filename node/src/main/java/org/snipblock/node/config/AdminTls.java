package org.snipblock.node.config;

import java.nio.file.Path;

/**
 * TLS on the admin API (the config file's {@code admin.tls}): the node's certificate chain and key
 * (PEM). With it the admin port speaks TLS only, so a plaintext client is refused; without it, plaintext.
 */
public record AdminTls(Path certificate, Path key) {}
