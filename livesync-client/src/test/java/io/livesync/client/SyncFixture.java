package io.livesync.client;

import io.livesync.core.leader.PushResumePolicy;
import io.livesync.testkit.InMemorySyncBackend;
import io.livesync.testkit.InMemorySyncServer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/** Builds client stores against one {@link InMemorySyncServer}, with fast timers, and waits on them. */
final class SyncFixture implements AutoCloseable {

    static final Duration WAIT = Duration.ofSeconds(20);

    final InMemorySyncServer server = new InMemorySyncServer();
    final String storeId;
    private final List<Store> stores = new ArrayList<>();
    private final List<ByteArrayOutputStream> logs = new ArrayList<>();

    SyncFixture(String storeId) {
        this.storeId = storeId;
    }

    record Client(Store store, InMemorySyncBackend backend, ByteArrayOutputStream log) {
        String logText() {
            return log.toString(StandardCharsets.UTF_8);
        }
    }

    Client client(String clientId, PushResumePolicy policy, UnaryOperator<Store.Builder> options,
            UnaryOperator<InMemorySyncBackend> backendOptions) {
        InMemorySyncBackend backend = backendOptions.apply(server.client(storeId));
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Store store = options.apply(Store.builder()
                .storeId(storeId).clientId(clientId).schema(TodoSchema.schema())
                .backend(backend).pushResumePolicy(policy).seed(42)
                .log(JsonLog.toStream(log, true))
                .leader(l -> l.backoff(20, 200).pushTimeoutMillis(2000).stallAfterMillis(1500)
                        .watchdogIntervalMillis(100)))
                .build();
        stores.add(store);
        logs.add(log);
        return new Client(store, backend, log);
    }

    Client client(String clientId, PushResumePolicy policy) {
        return client(clientId, policy, UnaryOperator.identity(), UnaryOperator.identity());
    }

    /** Waits until the server holds {@code n} events and every given store has them all with nothing pending. */
    void awaitConverged(int n, Client... clients) {
        Await.until("the server holds " + n + " events", WAIT, () -> server.head(storeId) == n, () -> describe(clients));
        for (Client c : clients) {
            Await.until(c.store().clientId() + " has all " + n + " events and nothing pending", WAIT, () -> {
                SyncStatus s = c.store().syncStatus();
                return s.pendingCount() == 0 && s.upstreamHead().global() == n;
            }, () -> describe(clients));
        }
    }

    static String describe(Client... clients) {
        StringBuilder sb = new StringBuilder();
        for (Client c : clients) {
            sb.append(c.store().syncStatus()).append('\n');
            String[] lines = c.logText().split("\n");
            for (int i = Math.max(0, lines.length - 15); i < lines.length; i++) {
                sb.append("   ").append(lines[i]).append('\n');
            }
        }
        return sb.toString();
    }

    @Override
    public void close() {
        for (Store store : stores) {
            store.close();
        }
    }
}
