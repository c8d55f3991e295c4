package io.livesync.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livesync.client.JsonLog;
import io.livesync.client.Storage;
import io.livesync.client.Store;
import io.livesync.client.SyncStatus;
import io.livesync.client.TodoSchema;
import io.livesync.client.WebSocketSyncBackend;
import io.livesync.core.leader.PushResumePolicy;
import io.livesync.core.session.SessionLogic;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A node-sync client process ({@code client-a}, {@code client-b}): one {@link Store} syncing over WebSocket, driven
 * by JSON-line commands on stdin, answering one JSON line each on stdout:
 * {@code {"cmd":"create","count":N,"batch":K}}, {@code {"cmd":"status"}}, {@code {"cmd":"shutdown"}}.
 * Its structured log goes to {@code --log}. Arguments are {@code --name value} pairs (see {@link NodeSync}).
 */
public final class NodeClientMain {

    private static final ObjectMapper JSON = new ObjectMapper();

    private NodeClientMain() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            opts.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        String storage = opts.get("storage");
        boolean debug = "1".equals(System.getenv("NODE_SYNC_DEBUG"));
        PushResumePolicy policy = opts.containsKey("policy") ? PushResumePolicy.parse(opts.get("policy"))
                : PushResumePolicy.fromEnvironment(System.getenv(), PushResumePolicy.SUPERVISED);
        String client = opts.get("client");
        // LIVESYNC_REBASE_DEFERRAL=off turns the rebase deferral off (to measure what it buys; default on)
        io.livesync.core.leader.LeaderConfig.RebaseDeferral deferral =
                "off".equalsIgnoreCase(System.getenv("LIVESYNC_REBASE_DEFERRAL"))
                        ? io.livesync.core.leader.LeaderConfig.RebaseDeferral.OFF
                        : io.livesync.core.leader.LeaderConfig.RebaseDeferral.DEFAULT;
        // LIVESYNC_PUSH_WINDOW=1 turns pipelined pushes off (to measure what they buy; default: the leader's default)
        String windowSetting = System.getenv("LIVESYNC_PUSH_WINDOW");
        int pushWindow = windowSetting == null || windowSetting.isBlank()
                ? io.livesync.core.leader.LeaderConfig.DEFAULT_PUSH_WINDOW
                : Integer.parseInt(windowSetting.trim());
        Store store = Store.builder().storeId(opts.get("store")).clientId(client).schema(TodoSchema.schema())
                .storage(storage.startsWith("file:") ? Storage.file(Path.of(storage.substring(5))) : Storage.inMemory())
                .backend(WebSocketSyncBackend.builder(URI.create(opts.get("url")), opts.get("store"))
                        .authToken(opts.get("token")).pingIntervalMillis(2000).reconnectBackoff(100, 2000)
                        .serverLimits(opts.containsKey("server-max-events")
                                ? NodeSync.serverLimits(Integer.parseInt(opts.get("server-max-events")))
                                : io.livesync.core.wire.WireLimits.DEFAULT)
                        .build())
                .pushResumePolicy(policy)
                .backendResetPolicy(io.livesync.core.leader.BackendResetPolicy.valueOf(
                        opts.getOrDefault("reset-policy", "REHOME_PENDING").toUpperCase(java.util.Locale.ROOT)
                                .replace('-', '_')))
                .leaderPushBatchSize(Integer.parseInt(opts.getOrDefault("leader-push-batch", "100")))
                .rebasePauseMillis(Long.parseLong(opts.getOrDefault("rebase-pause-ms", "0")))
                .leader(l -> l.backendPushBatchSize(Integer.parseInt(opts.getOrDefault("backend-push-batch", "2")))
                        .backoff(200, 2000).pushTimeoutMillis(5000).stallAfterMillis(4000).watchdogIntervalMillis(1000)
                        .rebaseDeferral(deferral).pushWindow(pushWindow))
                .log(JsonLog.toFile(Path.of(opts.get("log")), debug))
                .build();
        int created = 0;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                JsonNode cmd = JSON.readTree(line);
                ObjectNode reply = JSON.createObjectNode().put("ok", true);
                switch (cmd.path("cmd").asText()) {
                    case "create" -> {
                        int count = cmd.path("count").asInt();
                        int batch = Math.max(1, cmd.path("batch").asInt(1));
                        for (int i = 0; i < count; i += batch) {
                            List<SessionLogic.PartialEvent> events = new ArrayList<>();
                            for (int j = i; j < Math.min(count, i + batch); j++) {
                                String id = cmd.has("prefix") ? cmd.path("prefix").asText() + "-" + (created + j)
                                        : client + "-" + (created + j) + "-" + UUID.randomUUID().toString().substring(0, 8);
                                events.add(TodoSchema.created(id, client + " todo " + (created + j)));
                            }
                            store.commit(events);
                        }
                        created += count;
                        reply.put("created", created);
                    }
                    case "status" -> {
                        SyncStatus s = store.syncStatus();
                        reply.put("todos", store.count("SELECT count(*) FROM todos"));
                        if (cmd.path("digests").asBoolean(true)) { // O(log): the convergence poll asks only at the end
                            reply.put("logDigest", store.eventLogDigest()).put("stateDigest", store.stateDigest());
                        }
                        reply.put("pending", s.pendingCount()).put("upstreamHead", s.upstreamHead().toString())
                                .put("localHead", s.localHead().toString()).put("loop", s.pushLoop())
                                .put("loopReason", s.pushLoopReason()).put("connected", s.connected())
                                .put("rebases", s.stats().pullRebases()).put("advances", s.stats().pullAdvances())
                                .put("rebasesDeferred", s.stats().rebasesDeferred())
                                .put("pushesSent", s.stats().pushesSent())
                                .put("pushesPipelined", s.stats().pushesPipelined())
                                .put("upstreamDeferred", s.upstreamDeferred())
                                .put("pushErrors", s.stats().pushErrors()).put("policy", s.pushResumePolicy().cliName());
                        if (s.failure() != null) {
                            reply.put("failure", s.failure());
                        }
                        if (cmd.path("ids").asBoolean(false)) {
                            var ids = reply.putArray("ids");
                            store.query("SELECT id FROM todos ORDER BY id", rs -> rs.getString(1)).forEach(ids::add);
                        }
                    }
                    case "shutdown" -> {
                        store.close();
                        out.println(reply);
                        return;
                    }
                    default -> reply.put("ok", false).put("error", "unknown command: " + line);
                }
                out.println(reply);
            }
        } catch (Exception e) {
            out.println(JSON.createObjectNode().put("ok", false).put("error", e.toString()));
            store.close();
            System.exit(1);
        }
        store.close();
    }
}
