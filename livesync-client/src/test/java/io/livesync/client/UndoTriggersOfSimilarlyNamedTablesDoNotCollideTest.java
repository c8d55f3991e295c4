package io.livesync.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.livesync.core.ArgsValidator;
import io.livesync.core.Event;
import io.livesync.core.EventDefinition;
import io.livesync.core.EventSeq;
import io.livesync.core.leader.LeaderEffect;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue #11 item 7: undo triggers were named after the table name with non-word characters replaced by {@code _},
 * so tables {@code a-b} and {@code a_b} shared trigger names and {@code a_b} (installed second) recorded no undo
 * rows: rolling back a change to it left the change in place.
 */
class UndoTriggersOfSimilarlyNamedTablesDoNotCollideTest {

    private static ClientSchema schema() {
        return ClientSchema.builder()
                .table("CREATE TABLE \"a-b\" (v TEXT)")
                .table("CREATE TABLE a_b (v TEXT)")
                .event(EventDefinition.synced("v1.Both", ArgsValidator.stringMembers("v")), (e, sql) -> {
                    sql.execute("INSERT INTO \"a-b\" (v) VALUES (?)", e.args().get("v").asText());
                    sql.execute("INSERT INTO a_b (v) VALUES (?)", e.args().get("v").asText());
                })
                .build();
    }

    @Test
    void rollingBackAChangeToEitherTableRestoresIt() {
        try (ClientDatabase db = ClientDatabase.open(Storage.inMemory(), schema(), "s", UnknownEventPolicy.FAIL)) {
            Event first = Event.of(EventSeq.ofGlobal(1), EventSeq.ROOT, "v1.Both",
                    JsonNodeFactory.instance.objectNode().put("v", "one"), "c", "s");
            Event second = Event.of(EventSeq.ofGlobal(2), EventSeq.ofGlobal(1), "v1.Both",
                    JsonNodeFactory.instance.objectNode().put("v", "two"), "c", "s");
            db.persist(new LeaderEffect.Persist(List.of(), List.of(first, second), List.of(), null, null), w -> { });
            db.persist(new LeaderEffect.Persist(List.of(second), List.of(), List.of(), null, null), w -> { });
            assertThat(db.query("SELECT v FROM \"a-b\"", rs -> rs.getString(1))).containsExactly("one");
            assertThat(db.query("SELECT v FROM a_b", rs -> rs.getString(1))).containsExactly("one");
        }
    }

    @Test
    void triggerNamesOfTablesThatSanitizeAlikeDiffer() {
        assertThat(UndoTriggers.triggerSuffix("a-b")).startsWith("a_b_").isNotEqualTo(UndoTriggers.triggerSuffix("a_b"));
    }
}
