package io.livesync.client;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livesync.core.ArgsValidator;
import io.livesync.core.EventDefinition;
import io.livesync.core.session.SessionLogic;

/**
 * Successive releases of one app's schema, as the schema-evolution tests open the same file with them. v1 is the
 * todo app: {@code v1.TodoCreated {id, text}} and {@code v1.TodoCompleted {id}}.
 */
final class EvolvingSchemas {

    static final String CREATED_V1 = "v1.TodoCreated";
    static final String CREATED_V2 = "v2.TodoCreated";
    static final String COMPLETED = "v1.TodoCompleted";
    static final String TAGGED = "v1.TodoTagged";

    private EvolvingSchemas() {}

    private static EventDefinition createdV1() {
        return EventDefinition.synced(CREATED_V1, ArgsValidator.stringMembers("id", "text"));
    }

    private static EventDefinition completed() {
        return EventDefinition.synced(COMPLETED, ArgsValidator.stringMembers("id"));
    }

    private static ClientSchema.Builder completedInto(ClientSchema.Builder b) {
        return b.event(completed(), (e, sql) -> sql.execute("UPDATE todos SET completed = 1 WHERE id = ?",
                e.args().get("id").asText()));
    }

    /** The first release. */
    static ClientSchema v1() {
        return completedInto(ClientSchema.builder()
                .table("CREATE TABLE todos (id TEXT PRIMARY KEY, text TEXT NOT NULL, completed INTEGER NOT NULL DEFAULT 0)")
                .event(createdV1(), (e, sql) -> sql.execute("INSERT INTO todos (id, text) VALUES (?, ?)",
                        e.args().get("id").asText(), e.args().get("text").asText())))
                .build();
    }

    /** A column changes: {@code text} becomes {@code title}, and a {@code length} column is derived from it. */
    static ClientSchema columnChanged() {
        return completedInto(ClientSchema.builder()
                .table("CREATE TABLE todos (id TEXT PRIMARY KEY, title TEXT NOT NULL, length INTEGER NOT NULL, "
                        + "completed INTEGER NOT NULL DEFAULT 0)")
                .event(createdV1(), 2, (e, sql) -> sql.execute(
                        "INSERT INTO todos (id, title, length) VALUES (?, ?, ?)", e.args().get("id").asText(),
                        e.args().get("text").asText(), e.args().get("text").asText().length())))
                .build();
    }

    /** A table is added: {@code stats} counts created todos. */
    static ClientSchema tableAdded() {
        return completedInto(ClientSchema.builder()
                .table("CREATE TABLE todos (id TEXT PRIMARY KEY, text TEXT NOT NULL, completed INTEGER NOT NULL DEFAULT 0)")
                .table("CREATE TABLE stats (id INTEGER PRIMARY KEY CHECK (id = 1), created INTEGER NOT NULL)")
                .event(createdV1(), 2, (e, sql) -> {
                    sql.execute("INSERT INTO todos (id, text) VALUES (?, ?)", e.args().get("id").asText(),
                            e.args().get("text").asText());
                    sql.execute("INSERT INTO stats (id, created) VALUES (1, 1) "
                            + "ON CONFLICT (id) DO UPDATE SET created = created + 1");
                }))
                .build();
    }

    /** Same tables, the materializer changes: texts are stored upper-case. */
    static ClientSchema materializerChanged() {
        return completedInto(ClientSchema.builder()
                .table("CREATE TABLE todos (id TEXT PRIMARY KEY, text TEXT NOT NULL, completed INTEGER NOT NULL DEFAULT 0)")
                .event(createdV1(), 2, (e, sql) -> sql.execute("INSERT INTO todos (id, text) VALUES (?, ?)",
                        e.args().get("id").asText(), e.args().get("text").asText().toUpperCase(java.util.Locale.ROOT))))
                .build();
    }

    /**
     * The event is renamed: {@code v2.TodoCreated {id, title, priority}} replaces {@code v1.TodoCreated {id, text}},
     * with an upcaster (text becomes title, priority 0).
     */
    static ClientSchema renamedWithUpcaster() {
        return completedInto(ClientSchema.builder()
                .table("CREATE TABLE todos (id TEXT PRIMARY KEY, title TEXT NOT NULL, priority INTEGER NOT NULL, "
                        + "completed INTEGER NOT NULL DEFAULT 0)")
                .event(EventDefinition.synced(CREATED_V2, ArgsValidator.stringMembers("id", "title")),
                        (e, sql) -> sql.execute("INSERT INTO todos (id, title, priority) VALUES (?, ?, ?)",
                                e.args().get("id").asText(), e.args().get("title").asText(),
                                e.args().path("priority").asInt()))
                .upcaster(CREATED_V1, CREATED_V2, args -> JsonNodeFactory.instance.objectNode()
                        .put("id", args.get("id").asText()).put("title", args.get("text").asText()).put("priority", 0)))
                .build();
    }

    /** v1 plus a new event {@code v1.TodoTagged {id, tag}} that an old client does not know. */
    static ClientSchema withTags() {
        return completedInto(ClientSchema.builder()
                .table("CREATE TABLE todos (id TEXT PRIMARY KEY, text TEXT NOT NULL, completed INTEGER NOT NULL DEFAULT 0)")
                .table("CREATE TABLE tags (id TEXT NOT NULL, tag TEXT NOT NULL)")
                .event(createdV1(), (e, sql) -> sql.execute("INSERT INTO todos (id, text) VALUES (?, ?)",
                        e.args().get("id").asText(), e.args().get("text").asText()))
                .event(EventDefinition.synced(TAGGED, ArgsValidator.stringMembers("id", "tag")),
                        (e, sql) -> sql.execute("INSERT INTO tags (id, tag) VALUES (?, ?)",
                                e.args().get("id").asText(), e.args().get("tag").asText())))
                .build();
    }

    /** v1 whose {@code v1.TodoCompleted} materializer (version 2) throws on the todo {@code bad}. */
    static ClientSchema throwingOnBad() {
        return ClientSchema.builder()
                .table("CREATE TABLE todos (id TEXT PRIMARY KEY, text TEXT NOT NULL, completed INTEGER NOT NULL DEFAULT 0)")
                .event(createdV1(), (e, sql) -> sql.execute("INSERT INTO todos (id, text) VALUES (?, ?)",
                        e.args().get("id").asText(), e.args().get("text").asText()))
                .event(completed(), 2, (e, sql) -> {
                    if (e.args().get("id").asText().equals("bad")) {
                        throw new IllegalStateException("cannot complete the bad todo");
                    }
                    sql.execute("UPDATE todos SET completed = 1 WHERE id = ?", e.args().get("id").asText());
                })
                .build();
    }

    static SessionLogic.PartialEvent created(String id, String text) {
        return Store.event(CREATED_V1, JsonNodeFactory.instance.objectNode().put("id", id).put("text", text));
    }

    static SessionLogic.PartialEvent createdV2(String id, String title) {
        return Store.event(CREATED_V2, JsonNodeFactory.instance.objectNode().put("id", id).put("title", title));
    }

    static SessionLogic.PartialEvent completedEvent(String id) {
        return Store.event(COMPLETED, JsonNodeFactory.instance.objectNode().put("id", id));
    }

    static SessionLogic.PartialEvent tagged(String id, String tag) {
        ObjectNode args = JsonNodeFactory.instance.objectNode().put("id", id).put("tag", tag);
        return Store.event(TAGGED, args);
    }
}
