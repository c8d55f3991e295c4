package io.livesync.sim;

import io.livesync.core.LogLevel;
import com.fasterxml.jackson.databind.JsonNode;
import io.livesync.core.leader.PushResumePolicy;
import io.livesync.server.PushFaults;
import io.livesync.server.ServerConfig;
import io.livesync.server.ServerLog;
import io.livesync.server.SyncServer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The node-sync harness (DESIGN.md §5): per run, a real sync server (in this process, on a real socket; SQLite in the
 * run folder, or PostgreSQL) and two client JVMs ({@code client-a}, {@code client-b}) that create todos concurrently;
 * the run passes when both hold {@code todoCountA + todoCountB} todos AND identical event logs and state, within the
 * timeout, with no early exit. Every parameter comes from the run's seed (printed first) unless pinned. Logs go to
 * {@code <logs>/<run-id>/{runner,server,client-a,client-b}.log}, one folder per run, never overwritten.
 */
public final class NodeSync {

    private static final int[] BATCHES = {1, 2, 10, 100};
    private static final int[] BACKEND_BATCHES = {1, 2, 10, 50, 100};

    /** The parameters of one run. */
    public record Params(long seed, List<Integer> todoCounts, int commitBatchSize, int leaderPushBatchSize,
            int backendPushBatchSize, String storage, int[] delays, PushResumePolicy policy) {
        public int total() {
            return todoCounts.stream().mapToInt(Integer::intValue).sum();
        }

        public int todoCountA() {
            return todoCounts.get(0);
        }

        public int todoCountB() {
            return todoCounts.get(1);
        }

        public String describe() {
            StringBuilder counts = new StringBuilder();
            for (int i = 0; i < todoCounts.size(); i++) {
                counts.append(i == 0 ? "" : " ").append((char) ('A' + i)).append('=').append(todoCounts.get(i));
            }
            return counts + " commit=" + commitBatchSize + " leaderPush="
                    + leaderPushBatchSize + " backendPush=" + backendPushBatchSize + " storage=" + storage + " delays="
                    + java.util.Arrays.toString(delays) + " policy=" + (policy == null ? "env/default" : policy.cliName());
        }
    }

    /**
     * A fault to inject: {@code lost-ack:P} (probability) or {@code lost-ack:N} (push number), {@code disconnect:P}
     * (the server drops the pusher's socket before storing), {@code server-restart:MS}.
     */
    public record Fault(String kind, double value) {
        public static Fault parse(String text) {
            int colon = text.indexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("a fault is kind:value, e.g. lost-ack:0.1, lost-ack:3 or "
                        + "server-restart:2000; got \"" + text + "\"");
            }
            String kind = text.substring(0, colon);
            if (!kind.equals("lost-ack") && !kind.equals("server-restart") && !kind.equals("disconnect")) {
                throw new IllegalArgumentException("unknown fault \"" + kind
                        + "\" (known: lost-ack, server-restart, disconnect)");
            }
            try {
                return new Fault(kind, Double.parseDouble(text.substring(colon + 1)));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("fault value of \"" + text + "\" is not a number");
            }
        }
    }

    /** Options of a node-sync invocation; null fields are drawn from the seed. */
    public record Options(int runs, Long seed, Duration timeout, PushResumePolicy policy, String postgresUrl,
            List<Fault> faults, Path logsRoot, Map<String, String> pinned, int clients, Map<String, String> clientKinds,
            int serverInstances) {
        public Options {
            if (clients < 2 || clients > 26) {
                throw new IllegalArgumentException("clients must be in [2, 26], got " + clients);
            }
            if (serverInstances < 1 || (serverInstances > 1 && postgresUrl == null)) {
                throw new IllegalArgumentException("more than one server instance needs --postgres (got "
                        + serverInstances + " instances)");
            }
            for (Map.Entry<String, String> kind : clientKinds.entrySet()) {
                if (!kind.getValue().equals("livesync") && !kind.getValue().equals("livestore")) {
                    throw new IllegalArgumentException("client-" + kind.getKey() + " must be livesync or livestore, got "
                            + kind.getValue());
                }
            }
        }

        public Options(int runs, Long seed, Duration timeout, PushResumePolicy policy, String postgresUrl,
                List<Fault> faults, Path logsRoot, Map<String, String> pinned, int clients) {
            this(runs, seed, timeout, policy, postgresUrl, faults, logsRoot, pinned, clients, Map.of(), 1);
        }

        public Options(int runs, Long seed, Duration timeout, PushResumePolicy policy, String postgresUrl,
                List<Fault> faults, Path logsRoot, Map<String, String> pinned) {
            this(runs, seed, timeout, policy, postgresUrl, faults, logsRoot, pinned, 2);
        }

        String kindOf(String clientName) {
            return clientKinds.getOrDefault(clientName.substring("client-".length()), "livesync");
        }
    }

    /** A client process of either kind, driven by the same JSON-line commands. */
    interface Controlled extends AutoCloseable {
        String name();

        JsonNode call(String json) throws IOException;

        boolean isAlive();

        Integer exitCode();

        /** True for livesync clients, whose status carries log and state digests. */
        boolean reportsDigests();

        @Override
        void close();

        /** The one way to stop a client process: ask it to shut down, wait, then kill it if it does not go. */
        static void shutdown(Controlled client, Process process, long graceSeconds) {
            try {
                if (process.isAlive()) {
                    try {
                        client.call("{\"cmd\":\"shutdown\"}");
                    } catch (IOException ignored) {
                        // already gone
                    }
                }
                if (!process.waitFor(graceSeconds, java.util.concurrent.TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
    }

    /** The outcome of one run. */
    /**
     * One run's outcome. {@code seconds} is the whole run; {@code startupSeconds} the part until every client
     * process answered its first status (JVM start and store open); {@code syncSeconds} from the first create command
     * of the measured round (the first commit; after the warm-up round, if any, which neither counts) until the poll
     * (every 100 ms) that saw every client at the head with nothing pending, which the digests then confirmed (the
     * digests are not timed); NaN when the warm-up did not converge.
     */
    public record RunResult(int index, Params params, boolean passed, String verdict, double seconds, Path dir,
            double startupSeconds, double syncSeconds) {}

    private final PrintStream out;

    public NodeSync(PrintStream out) {
        this.out = out;
    }

    /** {@code --runs}, else {@code NODE_SYNC_FC_NUMRUNS}, else 6 with {@code CI} set and 20 otherwise. */
    public static int defaultRuns(Map<String, String> env) {
        String fromEnv = env.get("NODE_SYNC_FC_NUMRUNS");
        if (fromEnv != null && !fromEnv.isBlank()) {
            return Integer.parseInt(fromEnv.trim());
        }
        String ci = env.get("CI");
        return ci != null && !ci.isBlank() && !ci.equals("false") && !ci.equals("0") ? 6 : 20;
    }

    public static Params draw(long seed, Map<String, String> pinned, PushResumePolicy policy) {
        return draw(seed, pinned, policy, 2);
    }

    /**
     * Pinned key: the server accepts pushes of up to this many events (livesync's server may take more than LiveStore's
     * 100 from livesync clients; the clients are told, so their pushes are cut to it).
     */
    public static final String SERVER_MAX_EVENTS_PER_PUSH = "server-max-events-per-push";
    /** Pinned key: todos each client creates in a warm-up round before the measured one (default 0: none). */
    public static final String WARMUP_TODOS = "warmup-todos";

    /** The server limits of a run whose server accepts {@code maxEventsPerPush} events per push (4 MiB frames). */
    public static io.livesync.core.wire.WireLimits serverLimits(int maxEventsPerPush) {
        io.livesync.core.wire.WireLimits d = io.livesync.core.wire.WireLimits.DEFAULT;
        return new io.livesync.core.wire.WireLimits(Math.max(d.maxFrameBytes(), 4 << 20), maxEventsPerPush,
                d.maxEventBytes(), d.maxJsonDepth());
    }

    /** The parameters of a run from its seed; clients beyond b draw their counts after every other parameter. */
    public static Params draw(long seed, Map<String, String> pinned, PushResumePolicy policy, int clients) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] delays = new int[5];
        for (int i = 0; i < 5; i++) {
            delays[i] = r.nextInt(16);
        }
        int a = 1 + r.nextInt(400);
        int b = 1 + r.nextInt(400);
        Params p = new Params(seed, List.of(a, b), BATCHES[r.nextInt(4)],
                BATCHES[r.nextInt(4)], BACKEND_BATCHES[r.nextInt(BACKEND_BATCHES.length)],
                r.nextBoolean() ? "file" : "memory", delays,
                policy);
        List<Integer> counts = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            int drawn = i < 2 ? p.todoCounts().get(i) : 1 + r.nextInt(400);
            counts.add(pin(pinned, "todo-count-" + (char) ('a' + i), drawn));
        }
        return new Params(seed, List.copyOf(counts),
                pin(pinned, "commit-batch-size", p.commitBatchSize()),
                pin(pinned, "leader-push-batch-size", p.leaderPushBatchSize()),
                pin(pinned, "backend-push-batch-size", p.backendPushBatchSize()),
                pinned.getOrDefault("storage", p.storage()),
                "0".equals(pinned.get("delays")) ? new int[5] : p.delays(), policy);
    }

    private static int pin(Map<String, String> pinned, String key, int drawn) {
        String value = pinned.get(key);
        return value == null ? drawn : Integer.parseInt(value);
    }

    /** Runs every run; prints a progress line per run and a summary table. */
    public List<RunResult> run(Options options) throws Exception {
        long master = options.seed() != null ? options.seed() : new SplittableRandom().nextLong();
        out.println("node-sync: " + options.runs() + " run(s), seed=" + master + " (run i uses seed+" + "i; replay one"
                + " run with --seed <its seed> --runs 1), logs in " + options.logsRoot());
        List<RunResult> results = new ArrayList<>();
        for (int i = 0; i < options.runs(); i++) {
            Params params = draw(master + i, options.pinned(), options.policy(), options.clients());
            String kinds = options.clientKinds().values().stream().anyMatch("livestore"::equals)
                    ? " kinds=" + options.clientKinds() : "";
            String instances = options.serverInstances() > 1 ? " serverInstances=" + options.serverInstances() : "";
            out.println("run " + (i + 1) + "/" + options.runs() + " seed=" + params.seed() + " " + params.describe()
                    + kinds + instances);
            out.flush();
            RunResult result = runOne(i + 1, params, options);
            results.add(result);
            out.printf("run %d/%d %s in %.1f s (%s)%n", i + 1, options.runs(), result.passed() ? "PASSED" : "FAILED",
                    result.seconds(), result.verdict());
            if (!result.passed()) {
                out.print(Diagnoser.diagnose(result.dir()).render());
            }
            out.flush();
        }
        printSummary(results);
        return results;
    }

    private void printSummary(List<RunResult> results) {
        out.println();
        out.printf("%-4s %-21s %5s %5s %7s %8s %8s %-7s %-12s %-7s %7s%n", "run", "seed", "A", "B", "commit",
                "ldrPush", "bkPush", "storage", "policy", "result", "secs");
        // (with more than two clients, the per-client counts are in each run's progress line)
        for (RunResult r : results) {
            Params p = r.params();
            out.printf("%-4d %-21d %5d %5d %7d %8d %8d %-7s %-12s %-7s %7.1f%n", r.index(), p.seed(), p.todoCountA(),
                    p.todoCountB(), p.commitBatchSize(), p.leaderPushBatchSize(), p.backendPushBatchSize(),
                    p.storage(), p.policy() == null ? "default" : p.policy().cliName(),
                    r.passed() ? "pass" : "FAIL", r.seconds());
        }
        long passed = results.stream().filter(RunResult::passed).count();
        out.println("node-sync: " + passed + " passed, " + (results.size() - passed) + " failed");
        out.flush();
    }

    static Path newRunDir(Path root, String label) throws IOException {
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Path dir = root.resolve(stamp + "-" + label + "-" + UUID.randomUUID().toString().substring(0, 6));
        Files.createDirectories(dir);
        return dir;
    }

    private RunResult runOne(int index, Params params, Options options) throws Exception {
        Path dir = newRunDir(options.logsRoot(), "s" + Long.toHexString(params.seed()));
        long start = System.nanoTime();
        String storeId = "nodesync-" + UUID.randomUUID().toString().substring(0, 8);
        String token = UUID.randomUUID().toString();
        try (ServerLog runner = ServerLog.toFile(dir.resolve("runner.log"), "runner");
                Harness h = new Harness(dir, storeId, token, options, params.seed(), runner)) {
            runner.write(LogLevel.INFO, "run-start", "seed", params.seed(), "params", params.describe(), "store", storeId);
            String policy = params.policy() == null ? null : params.policy().cliName();
            int pause = java.util.Arrays.stream(params.delays()).sum();
            List<Controlled> nodes = new ArrayList<>();
            for (int c = 0; c < params.todoCounts().size(); c++) {
                nodes.add(h.startClient("client-" + (char) ('a' + c), params, policy, pause, c));
            }
            for (Controlled node : nodes) {
                h.call(node, "{\"cmd\":\"status\"}"); // every client is up before the first commit
            }
            // A warm-up round (benchmarks only): every client creates this many todos and the run waits until they
            // converged, so that the measured round runs in warm JVMs (JIT compilation done), as in a long-lived app.
            int warmup = Integer.parseInt(options.pinned().getOrDefault(WARMUP_TODOS, "0"));
            int alreadyThere = 0;
            long started = System.nanoTime(); // every client answered: JVM start-up and store open are done
            long deadline = started + options.timeout().toNanos(); // one timeout for both rounds
            if (warmup > 0) {
                List<Integer> counts = java.util.Collections.nCopies(nodes.size(), warmup);
                Harness.Convergence warm = h.awaitConvergence(nodes, warmup * nodes.size(), deadline, options.timeout(),
                        createConcurrently(h::call, nodes, counts, params.commitBatchSize()));
                runner.write(warm.converged() ? LogLevel.INFO : LogLevel.ERROR, "warmup-end", "todosPerClient", warmup,
                        "verdict", warm.verdict(), "seconds", (System.nanoTime() - started) / 1e9);
                if (!warm.converged()) {
                    String verdict = "warm-up: " + warm.verdict();
                    runner.write(LogLevel.ERROR, "run-end", "passed", false, "verdict", verdict);
                    return new RunResult(index, params, false, verdict, (System.nanoTime() - start) / 1e9, dir,
                            (started - start) / 1e9, Double.NaN);
                }
                alreadyThere = warmup * nodes.size();
            }
            long firstCommit = System.nanoTime();
            Harness.Convergence done = h.awaitConvergence(nodes, alreadyThere + params.total(), deadline,
                    options.timeout(),
                    createConcurrently(h::call, nodes, params.todoCounts(), params.commitBatchSize()));
            String verdict = done.verdict();
            // the clock stops at the poll that saw every count at the head; the digests and final statuses that
            // confirm it come after and are not timed
            long end = done.converged() ? done.observedAtNanos() : System.nanoTime();
            boolean passed = done.converged();
            runner.write(passed ? LogLevel.INFO : LogLevel.ERROR, "run-end", "passed", passed, "verdict", verdict);
            return new RunResult(index, params, passed, verdict, (end - start) / 1e9, dir, (started - start) / 1e9,
                    (end - firstCommit) / 1e9);
        }
    }

    /** Sends every client its create command at the same time; the futures complete with their answers. */
    static CompletableFuture<?>[] createConcurrently(java.util.function.BiFunction<Controlled, String, JsonNode> call,
            List<Controlled> nodes, List<Integer> counts, int commitBatchSize) {
        // one thread each: the common pool (parallelism = cores - 1) runs them one by one on JDK 25 with 2 cores
        java.util.concurrent.Executor concurrently = io.livesync.core.Threads.virtualPerTask("livesync-create");
        List<CompletableFuture<JsonNode>> creates = new ArrayList<>();
        for (int c = 0; c < nodes.size(); c++) {
            Controlled node = nodes.get(c);
            String command = "{\"cmd\":\"create\",\"count\":" + counts.get(c) + ",\"batch\":" + commitBatchSize + "}";
            creates.add(CompletableFuture.supplyAsync(() -> call.apply(node, command), concurrently));
        }
        return creates.toArray(CompletableFuture[]::new);
    }

    /** Everything one run owns: the server (restartable) and the client processes. */
    static final class Harness implements AutoCloseable {
        final Path dir;
        final String storeId;
        final String token;
        final ServerLog runner;
        final List<Controlled> clients = new ArrayList<>();
        private final ServerConfig.Builder config;
        private final Options options;
        private volatile SyncServer server;
        private final List<SyncServer> extraInstances = new ArrayList<>();
        private final Thread restarter;

        Harness(Path dir, String storeId, String token, Options options, long seed, ServerLog runner) {
            this.dir = dir;
            this.storeId = storeId;
            this.token = token;
            this.runner = runner;
            this.options = options;
            this.config = ServerConfig.builder().port(0).tokens(Map.of(storeId, token)).nodeId("server")
                    .logFile(dir.resolve("server.log")).dataDir(dir.resolve("server-data"));
            if (options.postgresUrl() != null) {
                config.postgres(options.postgresUrl(), "nodesync_" + UUID.randomUUID().toString().replace("-", "")
                        .substring(0, 10));
            }
            String maxEvents = options.pinned().get(SERVER_MAX_EVENTS_PER_PUSH);
            if (maxEvents != null) {
                config.limits(serverLimits(Integer.parseInt(maxEvents)));
            }
            this.server = SyncServer.start(config.build());
            installFaults(server, options.faults(), seed);
            for (int i = 1; i < options.serverInstances(); i++) {
                extraInstances.add(SyncServer.start(config.nodeId("server-" + (i + 1))
                        .logFile(dir.resolve("server-" + (i + 1) + ".log")).build()));
            }
            Fault restart = options.faults().stream().filter(f -> f.kind().equals("server-restart")).findFirst()
                    .orElse(null);
            this.restarter = restart == null ? null : Thread.ofVirtual().start(() -> restartAfter((long) restart.value()));
        }

        private void restartAfter(long millis) {
            try {
                Thread.sleep(millis); // the fault's schedule, not synchronization
                int port = server.port();
                runner.write(LogLevel.WARN, "fault-server-restart", "afterMillis", millis);
                server.close();
                server = SyncServer.start(config.port(port).build());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private void installFaults(SyncServer s, List<Fault> faults, long seed) {
            Fault lostAck = faults.stream().filter(f -> f.kind().equals("lost-ack")).findFirst().orElse(null);
            Fault disconnect = faults.stream().filter(f -> f.kind().equals("disconnect")).findFirst().orElse(null);
            if (lostAck == null && disconnect == null) {
                return;
            }
            SplittableRandom random = new SplittableRandom(seed ^ 0x5DEECE66DL);
            AtomicLong pushes = new AtomicLong();
            s.faults((store, batch, head) -> {
                long n = pushes.incrementAndGet();
                if (disconnect != null && random.nextDouble() < disconnect.value()) {
                    return PushFaults.Decision.disconnect();
                }
                if (lostAck != null) {
                    boolean byNumber = lostAck.value() >= 1 && lostAck.value() == Math.rint(lostAck.value());
                    boolean drop = byNumber ? n == (long) lostAck.value() : random.nextDouble() < lostAck.value();
                    if (drop) {
                        return PushFaults.Decision.after(PushFaults.AfterAccept.DROP_CONNECTION);
                    }
                }
                return PushFaults.Decision.NONE;
            });
        }

        NodeProcess startClient(String name, Params params, String policy, int pauseMillis) throws IOException {
            return (NodeProcess) startClient(name, params, policy, pauseMillis, 0);
        }

        /** Starts a client of the kind the options give it, connected to server instance {@code index % instances}. */
        Controlled startClient(String name, Params params, String policy, int pauseMillis, int index)
                throws IOException {
            List<SyncServer> instances = new ArrayList<>();
            instances.add(server);
            instances.addAll(extraInstances);
            SyncServer target = instances.get(index % instances.size());
            if (options.kindOf(name).equals("livestore")) {
                String storage = params.storage().equals("file")
                        ? "fs:" + java.nio.file.Files.createDirectories(dir.resolve(name + "-data")) : "memory";
                LiveStoreDriver c = new LiveStoreDriver("ws://127.0.0.1:" + target.port(), storeId, name, token,
                        storage, dir.resolve(name + ".log"));
                clients.add(c);
                return c;
            }
            Map<String, String> opts = new LinkedHashMap<>();
            opts.put("store", storeId);
            opts.put("client", name);
            opts.put("url", "ws://127.0.0.1:" + target.port());
            opts.put("token", token);
            opts.put("storage", params.storage().equals("file") ? "file:" + dir.resolve(name + ".db") : "memory");
            opts.put("leader-push-batch", Integer.toString(params.leaderPushBatchSize()));
            opts.put("backend-push-batch", Integer.toString(params.backendPushBatchSize()));
            opts.put("rebase-pause-ms", Integer.toString(pauseMillis));
            if (options.pinned().containsKey(SERVER_MAX_EVENTS_PER_PUSH)) {
                opts.put("server-max-events", options.pinned().get(SERVER_MAX_EVENTS_PER_PUSH));
            }
            opts.put("log", dir.resolve(name + ".log").toString());
            if (policy != null) {
                opts.put("policy", policy);
            }
            NodeProcess p = NodeProcess.start(name, opts, dir.resolve(name + ".stderr"), Map.of());
            clients.add(p);
            return p;
        }

        JsonNode call(Controlled p, String command) {
            try {
                JsonNode reply = p.call(command);
                if (!reply.path("ok").asBoolean()) {
                    throw new IllegalStateException(p.name() + " answered " + reply);
                }
                return reply;
            } catch (IOException e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
        }

        SyncServer server() {
            return server;
        }

        /**
         * Polls both clients until they hold {@code total} todos with identical logs and state, a client exits, or
         * the timeout passes. Returns the verdict.
         */
        String awaitConvergence(List<? extends Controlled> nodes, int total, Duration timeout,
                CompletableFuture<?>... work) {
            return awaitConvergence(nodes, total, System.nanoTime() + timeout.toNanos(), timeout, work).verdict();
        }

        /**
         * A verdict, and when convergence was observed: the poll whose counts all matched, before the digests and the
         * final statuses confirmed it (each costs a hash of the whole log per client), or -1 when it was not.
         */
        record Convergence(String verdict, long observedAtNanos) {
            boolean converged() {
                return observedAtNanos >= 0;
            }
        }

        /** Whether a status says its client holds {@code total} todos, all at the server head, nothing pending. */
        static boolean atHead(JsonNode status, int total) {
            return status.path("todos").asInt() == total && status.path("pending").asInt() == 0
                    && upstream(status) == total;
        }

        /** {@link #awaitConvergence(List, int, Duration, CompletableFuture[])} until {@code deadlineNanos}. */
        Convergence awaitConvergence(List<? extends Controlled> nodes, int total, long deadlineNanos, Duration timeout,
                CompletableFuture<?>... work) {
            long deadline = deadlineNanos;
            while (true) {
                for (Controlled p : nodes) {
                    if (!p.isAlive()) {
                        runner.write(LogLevel.ERROR, "client-exited-early", "client", p.name(), "exitCode", p.exitCode());
                        finalStatuses(nodes);
                        return new Convergence("client " + p.name() + " exited early with code " + p.exitCode(), -1);
                    }
                }
                for (CompletableFuture<?> w : work) {
                    if (w.isCompletedExceptionally()) {
                        finalStatuses(nodes);
                        return new Convergence("a command failed: " + w.handle((v, e) -> String.valueOf(e)).join(),
                                -1);
                    }
                }
                boolean allDone = java.util.Arrays.stream(work).allMatch(CompletableFuture::isDone);
                // counts first; the digests (a hash of the whole log and state, CPU the clients would rather spend
                // syncing) only once every count says converged
                if (allDone && nodes.stream().map(p -> call(p, "{\"cmd\":\"status\",\"digests\":false}"))
                        .allMatch(s -> atHead(s, total))) {
                    long observed = System.nanoTime();
                    List<JsonNode> statuses = nodes.stream().map(p -> call(p, "{\"cmd\":\"status\"}")).toList();
                    boolean same = true;
                    String digests = null;
                    for (int i = 0; i < nodes.size(); i++) {
                        JsonNode s = statuses.get(i);
                        same &= atHead(s, total);
                        if (nodes.get(i).reportsDigests()) {
                            String d = s.path("logDigest").asText() + "/" + s.path("stateDigest").asText();
                            same &= digests == null || digests.equals(d);
                            digests = d;
                        }
                    }
                    if (same) {
                        finalStatuses(nodes);
                        boolean mixed = nodes.stream().anyMatch(n -> !n.reportsDigests());
                        return new Convergence("converged: " + total + " todos" + (mixed
                                ? ", every client at the server head with nothing pending; identical logs and state among"
                                        + " livesync clients"
                                : ", identical logs and state"), observed);
                    }
                }
                if (System.nanoTime() > deadline) {
                    List<JsonNode> statuses = finalStatuses(nodes);
                    StringBuilder sb = new StringBuilder("timeout after " + timeout.toSeconds() + " s:");
                    for (int i = 0; i < nodes.size(); i++) {
                        JsonNode s = statuses.get(i);
                        sb.append(' ').append(nodes.get(i).name()).append(" todos=").append(s.path("todos").asText())
                                .append(" pending=").append(s.path("pending").asText()).append(" loop=")
                                .append(s.path("loop").asText());
                    }
                    return new Convergence(sb.toString(), -1);
                }
                try {
                    Thread.sleep(100); // polling interval of a bounded wait
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return new Convergence("interrupted", -1);
                }
            }
        }

        /** A status's upstream head as a number ("e12" from livesync clients, 12 from LiveStore's driver). */
        static long upstream(JsonNode status) {
            JsonNode head = status.path("upstreamHead");
            return head.isNumber() ? head.asLong() : Long.parseLong(head.asText("e-1").replace("e", "").replaceAll("[.r].*", ""));
        }

        List<JsonNode> finalStatuses(List<? extends Controlled> nodes) {
            List<JsonNode> statuses = new ArrayList<>();
            for (Controlled p : nodes) {
                if (!p.isAlive()) {
                    statuses.add(com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode());
                    continue;
                }
                JsonNode s = call(p, "{\"cmd\":\"status\"}");
                statuses.add(s);
                runner.write(LogLevel.INFO, "final-status", "client", p.name(), "todos", s.path("todos").asInt(),
                        "pending", s.path("pending").asInt(), "loop", s.path("loop").asText(),
                        "loopReason", s.path("loopReason").asText(), "upstreamHead", s.path("upstreamHead").asText(),
                        "rebases", s.path("rebases").asLong(), "advances", s.path("advances").asLong(),
                        "connected", s.path("connected").asBoolean());
            }
            return statuses;
        }

        @Override
        public void close() {
            for (Controlled p : clients) {
                p.close();
            }
            if (restarter != null) {
                restarter.interrupt();
            }
            for (SyncServer extra : extraInstances) {
                extra.close();
            }
            Objects.requireNonNull(server).close();
        }
    }
}
