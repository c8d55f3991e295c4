package io.livesync.sim;

import com.fasterxml.jackson.databind.JsonNode;
import io.livesync.server.SyncServer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A client process of a benchmark, of either kind behind one interface: a LiveStore 0.4 node client
 * ({@link LiveStoreDriver}) or a livesync Java client ({@link NodeClientMain}).
 */
interface BenchClient extends AutoCloseable {

    /**
     * Starts {@code task} now on its own virtual thread. Workloads that must run at the same time start each with it:
     * {@code CompletableFuture.runAsync} without an executor uses the common pool, which on JDK 25 with few cores
     * (parallelism = cores - 1) runs such tasks one after the other.
     */
    static CompletableFuture<Void> startNow(Runnable task) {
        return CompletableFuture.runAsync(task, io.livesync.core.Threads.virtualPerTask("livesync-create"));
    }


    /** Commits {@code count} todos in commits of {@code batch}; returns once the client accepted them all. */
    void create(int count, int batch) throws IOException;

    /** Todos in the client's state and events still pending. */
    Progress progress() throws IOException;

    @Override
    void close();

    /** What a client holds. */
    record Progress(int todos, int pending) {}

    /** Starts a client of {@code kind} ({@code livestore} or {@code livesync}) on {@code server}. */
    static BenchClient start(String kind, String name, SyncServer server, String store, String token, Path dir)
            throws IOException {
        String url = "ws://127.0.0.1:" + server.port();
        if (kind.equals("livestore")) {
            LiveStoreDriver d = new LiveStoreDriver(url, store, "ls-" + name, token, "memory",
                    dir.resolve(store + "-" + name + ".err"));
            return new BenchClient() {
                public void create(int count, int batch) throws IOException {
                    d.create(count, batch);
                }

                public Progress progress() throws IOException {
                    JsonNode s = d.status();
                    return new Progress(s.path("todos").asInt(), s.path("pending").asInt());
                }

                public void close() {
                    d.close();
                }
            };
        }
        if (!kind.equals("livesync")) {
            throw new IllegalArgumentException("unknown client kind \"" + kind + "\" (livestore or livesync)");
        }
        Map<String, String> opts = new LinkedHashMap<>();
        opts.put("store", store);
        opts.put("client", "java-" + name);
        opts.put("url", url);
        opts.put("token", token);
        opts.put("storage", "memory");
        opts.put("backend-push-batch", "50");
        opts.put("log", dir.resolve(store + "-" + name + ".log").toString());
        NodeProcess p = NodeProcess.start("java-" + name, opts, dir.resolve(store + "-" + name + ".err"), Map.of());
        return new BenchClient() {
            public void create(int count, int batch) throws IOException {
                p.call("{\"cmd\":\"create\",\"count\":" + count + ",\"batch\":" + batch + "}");
            }

            public Progress progress() throws IOException {
                JsonNode s = p.call("{\"cmd\":\"status\",\"digests\":false}"); // no hash of the log per poll
                return new Progress(s.path("todos").asInt(), s.path("pending").asInt());
            }

            public void close() {
                p.close();
            }
        };
    }
}
