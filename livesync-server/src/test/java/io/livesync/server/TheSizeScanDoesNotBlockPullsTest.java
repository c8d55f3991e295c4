package io.livesync.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.livesync.core.Event;
import io.livesync.core.EventSeq;
import io.livesync.hub.EventStore;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The size scan of every store ({@code EventStore.stores()}, behind {@code /admin/api/sizes} and {@code admin stores})
 * reads every stored event; on SQLite it must not hold the read lock that every pull's catch-up takes, or one click on
 * the dashboard stalls all pulls for the length of the scan (found by a review on 2026-12-02). Shown structurally: the
 * scan completes while another thread holds that lock.
 */
class TheSizeScanDoesNotBlockPullsTest {

    @Test
    void theScanRunsWhileThePullsReadLockIsHeld(@TempDir Path dir) throws Exception {
        try (SqliteEventStore store = new SqliteEventStore(dir)) {
            store.append("s", List.of(Event.of(EventSeq.ofGlobal(1), EventSeq.ofGlobal(0), "v1.TodoCreated",
                    JsonNodeFactory.instance.objectNode().put("id", "a"), "c", "s")), "2026-12-02T00:00:00Z");
            java.lang.reflect.Field f = SqliteEventStore.class.getDeclaredField("readLock");
            f.setAccessible(true);
            ReentrantLock readLock = (ReentrantLock) f.get(store);
            readLock.lock(); // a pull's catch-up read in progress
            try {
                CompletableFuture<List<EventStore.StoreStats>> scan = CompletableFuture.supplyAsync(store::stores);
                List<EventStore.StoreStats> stats = scan.get(30, TimeUnit.SECONDS);
                assertThat(stats).singleElement().satisfies(s -> {
                    assertThat(s.storeId()).isEqualTo("s");
                    assertThat(s.events()).isEqualTo(1);
                    assertThat(s.bytes()).isPositive();
                });
            } finally {
                readLock.unlock();
            }
        }
    }
}
