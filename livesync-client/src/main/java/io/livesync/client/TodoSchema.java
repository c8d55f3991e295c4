package io.livesync.client;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livesync.core.ArgsValidator;
import io.livesync.core.EventDefinition;
import io.livesync.core.session.SessionLogic;

/**
 * The todo schema shared by livesync's harnesses and LiveStore's example apps: a synced {@code v1.TodoCreated
 * {id, text}} that inserts into {@code todos}, plus {@code v1.TodoCompleted}, {@code v1.TodoDeleted} and a
 * client-only {@code v1.UiFilterSet} (never pushed).
 */
public final class TodoSchema {

    public static final String TODO_CREATED = "v1.TodoCreated";
    public static final String TODO_COMPLETED = "v1.TodoCompleted";
    public static final String TODO_DELETED = "v1.TodoDeleted";
    public static final String UI_FILTER_SET = "v1.UiFilterSet";

    private TodoSchema() {}

    public static ClientSchema schema() {
        return ClientSchema.builder()
                .table("CREATE TABLE todos (id TEXT PRIMARY KEY, text TEXT NOT NULL, completed INTEGER NOT NULL DEFAULT 0)")
                .table("CREATE TABLE ui_state (id INTEGER PRIMARY KEY CHECK (id = 1), filter TEXT NOT NULL)")
                .event(EventDefinition.synced(TODO_CREATED, ArgsValidator.stringMembers("id", "text")),
                        (e, sql) -> sql.execute("INSERT INTO todos (id, text) VALUES (?, ?)",
                                e.args().get("id").asText(), e.args().get("text").asText()))
                .event(EventDefinition.synced(TODO_COMPLETED, ArgsValidator.stringMembers("id")),
                        (e, sql) -> sql.execute("UPDATE todos SET completed = 1 WHERE id = ?", e.args().get("id").asText()))
                .event(EventDefinition.synced(TODO_DELETED, ArgsValidator.stringMembers("id")),
                        (e, sql) -> sql.execute("DELETE FROM todos WHERE id = ?", e.args().get("id").asText()))
                .event(EventDefinition.clientOnly(UI_FILTER_SET, ArgsValidator.stringMembers("filter")),
                        (e, sql) -> sql.execute("INSERT OR REPLACE INTO ui_state (id, filter) VALUES (1, ?)",
                                e.args().get("filter").asText()))
                .build();
    }

    public static SessionLogic.PartialEvent created(String id, String text) {
        ObjectNode args = JsonNodeFactory.instance.objectNode().put("id", id).put("text", text);
        return Store.event(TODO_CREATED, args);
    }

    public static SessionLogic.PartialEvent completed(String id) {
        return Store.event(TODO_COMPLETED, JsonNodeFactory.instance.objectNode().put("id", id));
    }

    public static SessionLogic.PartialEvent deleted(String id) {
        return Store.event(TODO_DELETED, JsonNodeFactory.instance.objectNode().put("id", id));
    }

    public static SessionLogic.PartialEvent filterSet(String filter) {
        return Store.event(UI_FILTER_SET, JsonNodeFactory.instance.objectNode().put("filter", filter));
    }
}
