package io.livesync.client;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.livesync.core.ArgsValidator;
import io.livesync.core.EventDefinition;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** {@link ClientSchema.Builder} refuses upcasters that lead nowhere and table names livesync reserves. */
class ClientSchemaBuilderFailsFastTest {

    private static final Materializer NOTHING = (e, sql) -> { };
    private static final UnaryOperator<com.fasterxml.jackson.databind.JsonNode> SAME = args -> args;

    private static ClientSchema.Builder base() {
        return ClientSchema.builder().table("CREATE TABLE t (a TEXT)")
                .event(EventDefinition.synced("v2.X", ArgsValidator.any()), NOTHING)
                .event(EventDefinition.clientOnly("v1.Ui", ArgsValidator.any()), NOTHING);
    }

    @Test
    void upcastersMustEndAtADeclaredSyncedEventWithoutCycles() {
        assertThatThrownBy(() -> base().upcaster("v1.X", "v9.Nowhere", SAME).build())
                .hasMessageContaining("v1.X -> v9.Nowhere ends at an undeclared event");
        assertThatThrownBy(() -> base().upcaster("v0.Ui", "v1.Ui", SAME).build())
                .hasMessageContaining("client-only");
        assertThatThrownBy(() -> base().upcaster("v2.X", "v1.Ui", SAME).build())
                .hasMessageContaining("\"v2.X\" is declared and also upcast");
        assertThatThrownBy(() -> base().upcaster("a", "b", SAME).upcaster("b", "a", SAME).build())
                .hasMessageContaining("cycle");
        assertThatThrownBy(() -> base().upcaster("v1.X", "v2.X", SAME).upcaster("v1.X", "v2.X", SAME))
                .hasMessageContaining("two upcasters");
        base().upcaster("v0.X", "v1.X", args -> JsonNodeFactory.instance.objectNode())
                .upcaster("v1.X", "v2.X", SAME).build();
    }

    @Test
    void tableNamesLivesyncReservesAreRefused() {
        assertThatThrownBy(() -> ClientSchema.builder().table("CREATE TABLE ls_mine (a TEXT)"))
                .hasMessageContaining("reserved");
        assertThatThrownBy(() -> ClientSchema.builder().table("create table if not exists \"LS_x\" (a TEXT)"))
                .hasMessageContaining("reserved");
        assertThatThrownBy(() -> ClientSchema.builder().table("CREATE TABLE sqlite_x(a TEXT)"))
                .hasMessageContaining("reserved");
        ClientSchema.builder().table("CREATE TABLE lists (a TEXT)").table("CREATE TABLE \"a-b\" (a TEXT)").build();
    }
}
