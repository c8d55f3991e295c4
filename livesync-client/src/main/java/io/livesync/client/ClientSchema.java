package io.livesync.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.livesync.core.Event;
import io.livesync.core.EventDefinition;
import io.livesync.core.Schema;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/**
 * A client store's schema: the event definitions, the state tables (as {@code CREATE TABLE} statements), one
 * {@link Materializer} per event with the version it declares, and upcasters from earlier event names. Built with
 * {@link #builder()}; fails fast on missing or duplicate materializers and on upcasters that lead nowhere.
 *
 * <p>The {@link #fingerprint()} covers everything that decides what the state tables hold for a given log: the table
 * definitions, each event's name, kind and materializer version, and the upcaster chains. A store whose file records
 * another fingerprint is rebuilt from its event log when it opens (docs/schema-evolution.md).
 */
public final class ClientSchema {

    /** An event as a materializer sees it: upcast to its current name and args, with the materializer to apply. */
    record Resolved(Event current, Materializer materializer, String materializerName) {}

    private record Upcaster(String to, UnaryOperator<JsonNode> args) {}

    private final Schema events;
    private final List<String> tableDdl;
    private final Map<String, Materializer> materializers;
    private final Map<String, Integer> versions;
    private final Map<String, Upcaster> upcasters;
    private final Map<String, String> materializerNames;
    private final String fingerprint;

    private ClientSchema(Schema events, List<String> tableDdl, Map<String, Materializer> materializers,
            Map<String, Integer> versions, Map<String, Upcaster> upcasters) {
        this.events = events;
        this.tableDdl = List.copyOf(tableDdl);
        this.materializers = Map.copyOf(materializers);
        this.versions = Map.copyOf(versions);
        this.upcasters = Map.copyOf(upcasters);
        Map<String, String> names = new LinkedHashMap<>();
        versions.forEach((name, version) -> names.put(name, "materializer of " + name + " (version " + version + ")"));
        this.materializerNames = Map.copyOf(names);
        this.fingerprint = computeFingerprint();
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

    /** The materializer of a declared (current) event name. Events under earlier names: see {@link #knows}. */
    public Optional<Materializer> materializer(String eventName) {
        return Optional.ofNullable(materializers.get(eventName));
    }

    /** True when events named {@code eventName} can be materialized: declared, or upcast to a declared event. */
    public boolean knows(String eventName) {
        return materializers.containsKey(eventName) || upcasters.containsKey(eventName);
    }

    /**
     * A hex SHA-256 of the table definitions (whitespace-normalized, in declaration order), every event's name, kind
     * and materializer version, and every upcaster's source and target name. Equal schemas have equal fingerprints;
     * an upcaster's or materializer's code is not part of it, so a change of code alone needs a version bump.
     */
    public String fingerprint() {
        return fingerprint;
    }

    /**
     * Upcasts {@code committed} to its current version (a pure function of the event: only the name and args
     * change) and finds its materializer; empty when the name is unknown to this schema.
     *
     * @throws MaterializerException when an upcaster throws
     */
    Optional<Resolved> resolve(Event committed) {
        Event current = committed;
        Upcaster up;
        while ((up = upcasters.get(current.name())) != null) {
            JsonNode args;
            try {
                args = up.args().apply(current.args().deepCopy());
            } catch (RuntimeException e) {
                throw new MaterializerException(committed, "upcaster " + current.name() + " -> " + up.to(), e);
            }
            if (args == null) {
                throw new MaterializerException(committed, "upcaster " + current.name() + " -> " + up.to(),
                        new NullPointerException("the upcaster returned null args"));
            }
            current = new Event(current.seq(), current.parent(), up.to(), args, current.clientId(),
                    current.sessionId(), current.meta());
        }
        Materializer m = materializers.get(current.name());
        if (m == null) {
            return Optional.empty();
        }
        return Optional.of(new Resolved(current, m, materializerNames.get(current.name())));
    }

    private String computeFingerprint() {
        StringBuilder text = new StringBuilder("livesync-schema-1\n");
        for (String ddl : tableDdl) {
            text.append("table ").append(ddl.trim().replaceAll("\\s+", " ")).append('\n');
        }
        for (String name : new TreeMap<>(versions).keySet()) {
            text.append("event ").append(name).append(events.require(name).clientOnly() ? " client-only" : " synced")
                    .append(" v").append(versions.get(name)).append('\n');
        }
        for (Map.Entry<String, Upcaster> u : new TreeMap<>(upcasters).entrySet()) {
            text.append("upcast ").append(u.getKey()).append(" -> ").append(u.getValue().to()).append('\n');
        }
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final java.util.regex.Pattern TABLE_NAME = java.util.regex.Pattern.compile(
            "(?i)^\\s*CREATE\\s+TABLE\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?(?:main\\.)?(\"[^\"]+\"|[^\\s(]+)");

    /** Builder for {@link ClientSchema}. */
    public static final class Builder {
        private final Schema.Builder events = Schema.builder();
        private final List<String> tableDdl = new ArrayList<>();
        private final Map<String, Materializer> materializers = new LinkedHashMap<>();
        private final Map<String, Integer> versions = new LinkedHashMap<>();
        private final Map<String, Upcaster> upcasters = new LinkedHashMap<>();

        private Builder() {}

        /** Declares a state table, e.g. {@code CREATE TABLE todos (id TEXT PRIMARY KEY, text TEXT)}. */
        public Builder table(String createTableSql) {
            Objects.requireNonNull(createTableSql, "createTableSql");
            if (!createTableSql.trim().toUpperCase(Locale.ROOT).startsWith("CREATE TABLE")) {
                throw new IllegalArgumentException("a state table must be declared with CREATE TABLE, got: "
                        + createTableSql);
            }
            java.util.regex.Matcher name = TABLE_NAME.matcher(createTableSql);
            if (name.find()) {
                String table = name.group(1).replace("\"", "").toLowerCase(Locale.ROOT);
                if (table.startsWith("ls_") || table.startsWith("sqlite_")) {
                    throw new IllegalArgumentException("state table names starting with ls_ or sqlite_ are reserved "
                            + "for livesync and SQLite, got: " + createTableSql);
                }
            }
            tableDdl.add(createTableSql);
            return this;
        }

        /** Declares an event and how it changes the state tables (materializer version 1). */
        public Builder event(EventDefinition definition, Materializer materializer) {
            return event(definition, 1, materializer);
        }

        /**
         * Declares an event and how it changes the state tables. Raise {@code materializerVersion} whenever the
         * materializer's behaviour changes: the new version changes the {@link #fingerprint()}, so stores rebuild
         * their state from the log with the new materializer when they open.
         */
        public Builder event(EventDefinition definition, int materializerVersion, Materializer materializer) {
            Objects.requireNonNull(definition, "definition");
            Objects.requireNonNull(materializer, "materializer for " + definition.name());
            if (materializerVersion < 1) {
                throw new IllegalArgumentException("materializerVersion of " + definition.name() + " must be >= 1, got "
                        + materializerVersion);
            }
            events.event(definition);
            materializers.put(definition.name(), materializer);
            versions.put(definition.name(), materializerVersion);
            return this;
        }

        /**
         * Declares that events committed as {@code fromName} (an earlier version, e.g. {@code v1.TodoCreated}) are
         * materialized as {@code toName} (e.g. {@code v2.TodoCreated}) with args {@code args.apply(oldArgs)}. The
         * function must be pure (it runs on every materialization and rebuild). The log and the wire keep the event
         * as committed; only materializers see the upcast. Chains ({@code v1 -> v2 -> v3}) are allowed; the final
         * target must be a declared synced event, and {@code fromName} must not be declared.
         */
        public Builder upcaster(String fromName, String toName, UnaryOperator<JsonNode> args) {
            Objects.requireNonNull(fromName, "fromName");
            Objects.requireNonNull(toName, "toName");
            Objects.requireNonNull(args, "args");
            if (upcasters.putIfAbsent(fromName, new Upcaster(toName, args)) != null) {
                throw new IllegalArgumentException("event \"" + fromName + "\" has two upcasters");
            }
            return this;
        }

        public ClientSchema build() {
            Schema schema = events.build();
            for (Map.Entry<String, Upcaster> u : upcasters.entrySet()) {
                String from = u.getKey();
                if (materializers.containsKey(from)) {
                    throw new IllegalArgumentException("event \"" + from + "\" is declared and also upcast to \""
                            + u.getValue().to() + "\"; an upcaster's source must be an earlier, undeclared name");
                }
                String current = from;
                List<String> chain = new ArrayList<>(List.of(from));
                while (upcasters.containsKey(current)) {
                    current = upcasters.get(current).to();
                    if (chain.contains(current)) {
                        throw new IllegalArgumentException("upcasters form a cycle: " + String.join(" -> ", chain)
                                + " -> " + current);
                    }
                    chain.add(current);
                }
                EventDefinition target = schema.find(current).orElseThrow(() -> new IllegalArgumentException(
                        "upcaster chain " + String.join(" -> ", chain) + " ends at an undeclared event"));
                if (target.clientOnly()) {
                    throw new IllegalArgumentException("upcaster chain " + String.join(" -> ", chain)
                            + " ends at a client-only event; upcasters are for synced events only");
                }
            }
            return new ClientSchema(schema, tableDdl, materializers, versions, upcasters);
        }
    }
}
