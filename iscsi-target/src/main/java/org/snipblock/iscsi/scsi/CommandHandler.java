package org.snipblock.iscsi.scsi;

import java.util.concurrent.CompletableFuture;

/** Executes one decoded command. May throw {@link CheckCondition} while validating. */
@FunctionalInterface
interface CommandHandler {
  CompletableFuture<ScsiResponse> handle(ScsiCommand command, Cdb cdb);
}
