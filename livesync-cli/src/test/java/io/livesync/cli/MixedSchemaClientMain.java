package io.livesync.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.livesync.client.ClientSchema;
import io.livesync.client.Storage;
import io.livesync.client.Store;
import io.livesync.client.SyncStatus;
import io.livesync.client.TodoSchema;
import io.livesync.client.WebSocketSyncBackend;
import io.livesync.core.ArgsValidator;
import io.livesync.core.EventDefinition;
import io.livesync.core.session.SessionLogic;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A client process of {@link MixedSchemaClientsConvergeThroughTheServerTest}: opens a file store with the todo schema
 * {@code v1} ({@link TodoSchema}) or {@code v2} ({@link #v2()}: {@code v2.TodoCreated {id, title}} with an upcaster
 * from {@code v1.TodoCreated}), syncs with a real server, commits {@code count} todos of its version, waits (bounded)
 * until it holds {@code total} events with nothing pending, prints {@code DONE <log digest> <state matches replay>
 * <todos>} and exits.
 */
public final class MixedSchemaClientMain {

    static final String CREATED_V2 = "v2.TodoCreated";

    private MixedSchemaClientMain() {}

    /** The next release of {@link TodoSchema}: todos have a title, {@code v1.TodoCreated} is upcast. */
    static ClientSchema v2() {
        return ClientSchema.builder()
                .table("CREATE TABLE todos (id TEXT PRIMARY KEY, title TEXT NOT NULL, "
                        + "completed INTEGER NOT NULL DEFAULT 0)")
                .table("CREATE TABLE ui_state (id INTEGER PRIMARY KEY CHECK (id = 1), filter TEXT NOT NULL)")
                .event(EventDefinition.synced(CREATED_V2, ArgsValidator.stringMembers("id", "title")),
                        (e, sql) -> sql.execute("INSERT INTO todos (id, title) VALUES (?, ?)",
                                e.args().get("id").asText(), e.args().get("title").asText()))
                .upcaster(TodoSchema.TODO_CREATED, CREATED_V2, args -> JsonNodeFactory.instance.objectNode()
                        .put("id", args.get("id").asText()).put("title", args.get("text").asText()))
                .event(EventDefinition.synced(TodoSchema.TODO_COMPLETED, ArgsValidator.stringMembers("id")),
                        (e, sql) -> sql.execute("UPDATE todos SET completed = 1 WHERE id = ?",
                                e.args().get("id").asText()))
                .build();
    }

    public static void main(String[] args) throws Exception {
        URI server = URI.create(args[0]);
        String storeId = args[1];
        String clientId = args[2];
        boolean v2 = args[3].equals("v2");
        Path file = Path.of(args[4]);
        int count = Integer.parseInt(args[5]);
        int total = Integer.parseInt(args[6]);
        try (Store store = Store.builder().storeId(storeId).clientId(clientId)
                .schema(v2 ? v2() : TodoSchema.schema()).storage(Storage.file(file))
                .backend(WebSocketSyncBackend.builder(server, storeId).build()).build()) {
            for (int from = 0; from < count; from += 10) {
                List<SessionLogic.PartialEvent> batch = new ArrayList<>();
                for (int i = from; i < Math.min(count, from + 10); i++) {
                    String id = clientId + "-" + i;
                    batch.add(v2 ? Store.event(CREATED_V2, JsonNodeFactory.instance.objectNode().put("id", id)
                            .put("title", "todo " + id)) : TodoSchema.created(id, "todo " + id));
                }
                store.commit(batch);
            }
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (true) {
                SyncStatus s = store.syncStatus();
                if (s.upstreamHead().global() == total && s.pendingCount() == 0) {
                    break;
                }
                if (s.failure() != null || System.nanoTime() > deadline) {
                    System.out.println("FAILED " + s);
                    System.exit(1);
                }
                Thread.sleep(5); // polling interval of a bounded wait
            }
            System.out.println("DONE " + store.eventLogDigest() + " " + (store.checkStateMatchesReplay() == null) + " "
                    + store.count("SELECT count(*) FROM todos"));
        }
    }
}
