package org.snipblock.cluster.meta;

import org.snipblock.cluster.proto.MetaCommand;
import org.snipblock.cluster.proto.MetaResult;

/** Applies one kind of metadata command to the state: deterministic, the same on every replica. */
@FunctionalInterface
interface CommandHandler {
  MetaResult apply(MetaCommand command, MetadataState state);
}
