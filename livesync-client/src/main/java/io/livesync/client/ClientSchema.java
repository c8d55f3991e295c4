package io.livesync.client;

import io.livesync.core.EventDefinition;
import io.livesync.core.Schema;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A client store's schema: the event definitions, the state tables (as {@code CREATE TABLE} statements) and one
 * {@link Materializer} per event. Built with {@link #builder()}; fails fast on missing or duplicate materializers.
 */
public final class ClientSchema {

    private final Schema events;
    private final List<String> tableDdl;
    private final Map<String, Materializer> materializers;

    private ClientSchema(Schema events, List<String> tableDdl, Map<String, Materializer> materializers) {
        this.events = events;
        this.tableDdl = List.copyOf(tableDdl);
        this.materializers = Map.copyOf(materializers);
    }

    public static Builder builder() {
        return new Builder();
    }

    public Schema events() {
        return events;
    }

    public List<String> tableDdl() {
        return tableDdl;
    }

    public Optional<Materializer> materializer(String eventName) {
        return Optional.ofNullable(materializers.get(eventName));
    }

    /** Builder for {@link ClientSchema}. */
    public static final class Builder {
        private final Schema.Builder events = Schema.builder();
        private final List<String> names = new ArrayList<>();
        private final List<String> tableDdl = new ArrayList<>();
        private final Map<String, Materializer> materializers = new LinkedHashMap<>();

        private Builder() {}

        /** Declares a state table, e.g. {@code CREATE TABLE todos (id TEXT PRIMARY KEY, text TEXT)}. */
        public Builder table(String createTableSql) {
            Objects.requireNonNull(createTableSql, "createTableSql");
            if (!createTableSql.trim().toUpperCase(java.util.Locale.ROOT).startsWith("CREATE TABLE")) {
                throw new IllegalArgumentException("a state table must be declared with CREATE TABLE, got: "
                        + createTableSql);
            }
            tableDdl.add(createTableSql);
            return this;
        }

        /** Declares an event and how it changes the state tables. */
        public Builder event(EventDefinition definition, Materializer materializer) {
            Objects.requireNonNull(materializer, "materializer for " + definition.name());
            events.event(definition);
            names.add(definition.name());
            materializers.put(definition.name(), materializer);
            return this;
        }

        public ClientSchema build() {
            return new ClientSchema(events.build(), tableDdl, materializers);
        }
    }
}
