package io.livesync.core;

import java.util.Objects;

/**
 * The declaration of one event type: its name, a validator for its args, and whether it is client-only
 * (client-only events advance only the client part of the sequence number and are never pushed upstream).
 */
public record EventDefinition(String name, ArgsValidator argsValidator, boolean clientOnly) {

    public EventDefinition {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(argsValidator, "argsValidator");
        if (name.isBlank()) {
            throw new IllegalArgumentException("event definition name must not be blank");
        }
    }

    /** A synced event type. */
    public static EventDefinition synced(String name, ArgsValidator argsValidator) {
        return new EventDefinition(name, argsValidator, false);
    }

    /** A client-only event type. */
    public static EventDefinition clientOnly(String name, ArgsValidator argsValidator) {
        return new EventDefinition(name, argsValidator, true);
    }
}
