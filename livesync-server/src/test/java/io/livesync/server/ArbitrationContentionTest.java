package io.livesync.server;

import io.livesync.hub.EventStore;
import io.livesync.hub.PushValidator;
import io.livesync.hub.StoreHub;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.livesync.core.Event;
import io.livesync.core.EventSeq;
import io.livesync.core.wire.WireFrames;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Eight pushers race for the same head, round after round: exactly one wins per head, the log is gap-free with no
 * duplicate, and every loser gets ServerAhead (never a storage error, never a second acceptance).
 */
class ArbitrationContentionTest {

    private static final int PUSHERS = 8;
    private static final int ROUNDS = 40;

    private static List<Event> batch(String client, long parent, int size, int round) {
        List<Event> batch = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            long seq = parent + i + 1;
            batch.add(Event.of(EventSeq.ofGlobal(seq), EventSeq.ofGlobal(seq - 1), "v1.TodoCreated",
                    JsonNodeFactory.instance.objectNode().put("id", client + "-" + round + "-" + i).put("text", "x"),
                    client, client + "-s"));
        }
        return batch;
    }

    /** Runs the race against one or two hubs (two = two server instances on one database). */
    static void race(List<StoreHub> hubs, EventStore reader, String storeId) throws Exception {
        AtomicInteger serverAhead = new AtomicInteger();
        CyclicBarrier barrier = new CyclicBarrier(PUSHERS);
        try (ExecutorService pool = Executors.newFixedThreadPool(PUSHERS)) {
            List<Future<Integer>> wins = new ArrayList<>();
            for (int p = 0; p < PUSHERS; p++) {
                int pusher = p;
                StoreHub hub = hubs.get(p % hubs.size());
                wins.add(pool.submit(() -> {
                    int won = 0;
                    for (int round = 0; round < ROUNDS; round++) {
                        barrier.await();
                        long head = hub.head(storeId);
                        barrier.await(); // everyone read the same head: all race for it
                        StoreHub.PushResult r = hub.push(storeId, batch("p" + pusher, head, 1 + pusher % 3, round), null,
                                "token:*", null);
                        switch (r) {
                            case StoreHub.PushResult.Accepted a -> won++;
                            case StoreHub.PushResult.Rejected rejected -> {
                                assertThat(rejected.error()).isInstanceOf(WireFrames.ServerAheadError.class);
                                serverAhead.incrementAndGet();
                            }
                        }
                    }
                    return won;
                }));
            }
            int totalWins = 0;
            for (Future<Integer> f : wins) {
                totalWins += f.get();
            }
            assertThat(totalWins).as("exactly one winner per round").isEqualTo(ROUNDS);
            assertThat(serverAhead.get()).isEqualTo(ROUNDS * (PUSHERS - 1));
        }
        long head = reader.meta(storeId).head();
        List<Event> log = reader.read(storeId, 0, head, 100_000);
        assertThat(log).hasSize((int) head);
        for (int i = 0; i < log.size(); i++) {
            assertThat(log.get(i).seq().global()).isEqualTo(i + 1);
            assertThat(log.get(i).parent().global()).isEqualTo(i);
        }
        assertThat(log.stream().map(e -> e.args().get("id").asText()).distinct().count()).isEqualTo(log.size());
    }

    @Test
    void sqliteOneWinnerPerHead(@TempDir Path dir) throws Exception {
        try (SqliteEventStore store = new SqliteEventStore(dir)) {
            StoreHub hub = StoreHub.builder(store).maxLiveSubscribersPerStore(100).build();
            race(List.of(hub), store, "contention");
        }
    }

    @Test
    void postgresOneWinnerPerHeadAcrossTwoInstances() throws Exception {
        String schema = Postgres.freshSchema("contention");
        try (PostgresEventStore one = new PostgresEventStore(Postgres.URL, schema);
                PostgresEventStore two = new PostgresEventStore(Postgres.URL, schema)) {
            StoreHub hubOne = StoreHub.builder(one).maxLiveSubscribersPerStore(100).build();
            StoreHub hubTwo = StoreHub.builder(two).maxLiveSubscribersPerStore(100).build();
            race(List.of(hubOne, hubTwo), one, "contention");
        } finally {
            Postgres.drop(schema);
        }
    }
}
