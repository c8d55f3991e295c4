package io.livesync.core;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Metadata that travels with an event but never takes part in its identity.
 *
 * @param syncMetadata the sync provider's opaque per-event metadata (e.g. {@code {"_tag":
 *     "SyncMessage.SyncMetadata","createdAt":...}}), or {@code null} when there is none
 */
public record EventMeta(JsonNode syncMetadata) {

    /** No metadata. */
    public static final EventMeta NONE = new EventMeta(null);
}
