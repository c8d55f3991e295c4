package io.livesync.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue #11 item 4: a file store's commits are power-loss durable unless the app chooses otherwise. */
class DurabilitySettingTest {

    private static int synchronous(Store store) {
        return store.query("PRAGMA synchronous", rs -> rs.getInt(1)).getFirst();
    }

    @Test
    void aFileStoreFsyncsEveryCommitByDefault(@TempDir Path dir) {
        try (Store store = Store.builder().storeId("s").clientId("c").schema(TodoSchema.schema())
                .storage(Storage.file(dir.resolve("a.db"))).build()) {
            assertThat(synchronous(store)).as("synchronous=FULL (2)").isEqualTo(2);
        }
    }

    @Test
    void processCrashDurabilityIsAnExplicitChoice(@TempDir Path dir) {
        try (Store store = Store.builder().storeId("s").clientId("c").schema(TodoSchema.schema())
                .storage(Storage.file(dir.resolve("b.db"))).durability(Durability.PROCESS_CRASH).build()) {
            assertThat(synchronous(store)).as("synchronous=NORMAL (1)").isEqualTo(1);
            store.commit(java.util.List.of(TodoSchema.created("t", "x")));
        }
        try (Store reopened = Store.builder().storeId("s").clientId("c").schema(TodoSchema.schema())
                .storage(Storage.file(dir.resolve("b.db"))).build()) {
            assertThat(reopened.count("SELECT count(*) FROM todos")).isEqualTo(1);
            assertThat(synchronous(reopened)).as("the setting is per open, not stored").isEqualTo(2);
        }
    }
}
