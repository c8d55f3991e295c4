package io.livesync.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.util.Objects;

/**
 * An encoded event as the engine moves it around: its position ({@link #seq}) and its parent's, the event name,
 * the JSON arguments, who committed it, and {@link EventMeta metadata} that never takes part in equality.
 *
 * <p>Record equality is structural (every component). The sync notion of "the same event" is
 * {@link #sameEvent(Event)} (DESIGN.md §4.3): same (global, client), name, clientId, sessionId and canonically equal
 * args; generation, parent and metadata are ignored.
 */
public record Event(
        EventSeq seq, EventSeq parent, String name, JsonNode args, String clientId, String sessionId, EventMeta meta) {

    public Event {
        Objects.requireNonNull(seq, "seq");
        Objects.requireNonNull(parent, "parent");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(sessionId, "sessionId");
        // absent args stay absent (MissingNode), distinct from an explicit JSON null: LiveStore clients compare the
        // echo of their own events after a JSON round trip, where "args": null is not an absent member
        args = args == null ? MissingNode.getInstance() : args;
        meta = meta == null ? EventMeta.NONE : meta;
        if (name.isEmpty()) {
            throw new IllegalArgumentException("event name must not be empty (event " + seq + ")");
        }
    }

    /** An event without metadata. */
    public static Event of(EventSeq seq, EventSeq parent, String name, JsonNode args, String clientId, String sessionId) {
        return new Event(seq, parent, name, args, clientId, sessionId, EventMeta.NONE);
    }

    /** The sync equality of DESIGN.md §4.3 (generation, parent and meta ignored; args compared canonically). */
    public boolean sameEvent(Event other) {
        return seq.samePosition(other.seq)
                && name.equals(other.name)
                && clientId.equals(other.clientId)
                && sessionId.equals(other.sessionId)
                && CanonicalJson.equivalent(args, other.args);
    }

    /** A copy at a new position (used by rebase); the metadata is kept, since it is immutable. */
    public Event withSeq(EventSeq newSeq, EventSeq newParent) {
        return new Event(newSeq, newParent, name, args, clientId, sessionId, meta);
    }

    /** A copy with other metadata. */
    public Event withMeta(EventMeta newMeta) {
        return new Event(seq, parent, name, args, clientId, sessionId, newMeta);
    }

    @Override
    public String toString() {
        return seq + "←" + parent + " " + name + " " + args + " (" + clientId + "/" + sessionId + ")";
    }
}
