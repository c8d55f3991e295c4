package io.livesync.simulator;

import io.livesync.core.ArgsValidator;
import io.livesync.core.Event;
import io.livesync.core.EventDefinition;
import io.livesync.core.Schema;
import java.util.Locale;
import java.util.Map;

/**
 * The simulated app's two schema versions, and the state their materializers build (rows of todos by id):
 * <ul>
 *   <li>v1 knows {@code v1.TodoCreated} (row = its text) and the client-only {@code v1.UiFilterSet};</li>
 *   <li>v2 changes the materializer of {@code v1.TodoCreated} (row = its text upper-cased: a state built by v1 is
 *       wrong under v2, so an upgraded client must rebuild) and adds {@code v2.TodoTagged} (appends {@code #tag} to
 *       the todo's row, if it has one). A v1 client keeps a v2 event in its log unmaterialized (deferred).</li>
 * </ul>
 */
final class SimSchemas {

    private SimSchemas() {}

    static final Schema V1 = Schema.builder()
            .event(EventDefinition.synced("v1.TodoCreated", ArgsValidator.stringMembers("id", "text")))
            .event(EventDefinition.clientOnly("v1.UiFilterSet", ArgsValidator.any()))
            .build();
    static final Schema V2 = Schema.builder()
            .event(EventDefinition.synced("v1.TodoCreated", ArgsValidator.stringMembers("id", "text")))
            .event(EventDefinition.clientOnly("v1.UiFilterSet", ArgsValidator.any()))
            .event(EventDefinition.synced("v2.TodoTagged", ArgsValidator.stringMembers("id", "todo", "tag")))
            .build();

    static Schema schema(int version) {
        return version >= 2 ? V2 : V1;
    }

    /** What a client file records of the schema that built its state. */
    static String fingerprint(int version) {
        return "sim-schema-v" + version;
    }

    static boolean knows(int version, String name) {
        return schema(version).find(name).isPresent();
    }

    /** The row an event writes under {@code version}, or null when it writes none. */
    static String rowKey(int version, Event e, Map<String, String> rows) {
        return switch (e.name()) {
            case "v1.TodoCreated" -> e.args().path("id").asText();
            case "v2.TodoTagged" -> version >= 2 && rows.containsKey(e.args().path("todo").asText())
                    ? e.args().path("todo").asText() : null;
            default -> null;
        };
    }

    /** Applies one event to {@code rows} under {@code version} (nothing for client-only or unknown events). */
    static void materialize(int version, Event e, Map<String, String> rows) {
        switch (e.name()) {
            case "v1.TodoCreated" -> {
                String text = e.args().path("text").asText();
                rows.put(e.args().path("id").asText(), version >= 2 ? text.toUpperCase(Locale.ROOT) : text);
            }
            case "v2.TodoTagged" -> {
                String todo = e.args().path("todo").asText();
                if (version >= 2 && rows.containsKey(todo)) {
                    rows.put(todo, rows.get(todo) + "#" + e.args().path("tag").asText());
                }
            }
            default -> { }
        }
    }
}
