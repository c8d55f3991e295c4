package io.livesync.core;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** The set of event definitions of a store, looked up by event name. Immutable; built with {@link #builder()}. */
public final class Schema {

    private final Map<String, EventDefinition> definitions;

    private Schema(Map<String, EventDefinition> definitions) {
        this.definitions = Collections.unmodifiableMap(new LinkedHashMap<>(definitions));
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The definition named {@code name}, if declared. */
    public Optional<EventDefinition> find(String name) {
        return Optional.ofNullable(definitions.get(name));
    }

    /** The definition named {@code name}. @throws UnknownEventException when it is not declared */
    public EventDefinition require(String name) {
        EventDefinition definition = definitions.get(name);
        if (definition == null) {
            throw new UnknownEventException(name, definitions.keySet());
        }
        return definition;
    }

    /** True when the event's definition is declared client-only. @throws UnknownEventException for unknown names */
    public boolean isClientOnly(Event event) {
        return require(event.name()).clientOnly();
    }

    /**
     * Validates an event's args against its definition.
     *
     * @throws UnknownEventException when the name is not declared
     * @throws InvalidEventArgsException when the args are rejected
     */
    public void validate(String name, JsonNode args) {
        EventDefinition definition = require(name);
        Optional<String> problem = definition.argsValidator().problem(args);
        if (problem.isPresent()) {
            throw new InvalidEventArgsException(name, problem.get());
        }
    }

    /** The declared event names, in declaration order. */
    public List<String> eventNames() {
        return new ArrayList<>(definitions.keySet());
    }

    /** Builds a {@link Schema}; fails fast on duplicate names. */
    public static final class Builder {
        private final Map<String, EventDefinition> definitions = new LinkedHashMap<>();

        private Builder() {}

        public Builder event(EventDefinition definition) {
            Objects.requireNonNull(definition, "definition");
            if (definitions.putIfAbsent(definition.name(), definition) != null) {
                throw new IllegalArgumentException("event \"" + definition.name() + "\" is declared twice");
            }
            return this;
        }

        public Schema build() {
            return new Schema(definitions);
        }
    }
}
