package io.livesync.cli;

import io.livesync.core.leader.PushResumePolicy;
import io.livesync.sim.Diagnoser;
import io.livesync.sim.NodeSync;
import io.livesync.sim.ReproH001;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code livesync node-sync}, {@code livesync diagnose} and {@code livesync repro h001}. */
final class NodeSyncCommand {

    private NodeSyncCommand() {}

    static PrintStream out(CommandLine.Model.CommandSpec spec) {
        return new PrintStream(System.out, true, StandardCharsets.UTF_8);
    }

    @Command(name = "node-sync", mixinStandardHelpOptions = true,
            description = "Run the node-sync harness: a real server and two client JVMs create todos concurrently "
                    + "until both converge (identical logs and state). Runs: --runs, else NODE_SYNC_FC_NUMRUNS, else 6 "
                    + "with CI set and 20 otherwise. Logs: tmp/logs/<run-id>/. Exit 0 only if every run passes.")
    static final class Run implements Callable<Integer> {
        @Option(names = "--runs", description = "number of runs") Integer runs;
        @Option(names = "--seed", description = "seed of the first run (run i uses seed+i)") Long seed;
        @Option(names = "--timeout", defaultValue = "120", description = "seconds per run (default ${DEFAULT-VALUE})") int timeout;
        @Option(names = "--push-resume", description = "rebase-only | on-advance | supervised (default: env, else supervised)") String pushResume;
        @Option(names = "--postgres", description = "use PostgreSQL (JDBC URL) instead of the embedded SQLite store") String postgres;
        @Option(names = "--fault", description = "lost-ack:P (probability) | lost-ack:N (push number) | disconnect:P | server-restart:MS") List<String> faults = new ArrayList<>();
        @Option(names = "--logs", defaultValue = "tmp/logs", description = "log root (default ${DEFAULT-VALUE})") Path logs;
        @Option(names = "--todo-count-a") Integer todoCountA;
        @Option(names = "--todo-count-b") Integer todoCountB;
        @Option(names = "--commit-batch-size") Integer commitBatchSize;
        @Option(names = "--leader-push-batch-size") Integer leaderPushBatchSize;
        @Option(names = "--backend-push-batch-size") Integer backendPushBatchSize;
        @Option(names = "--storage", description = "file | memory") String storage;
        @Option(names = "--clients", defaultValue = "2", description = "client processes (default ${DEFAULT-VALUE}; "
                + "client-c, client-d... draw their todo counts from the seed too)") int clients;
        @Option(names = "--client-a", defaultValue = "livesync", description = "livesync | livestore (a real LiveStore 0.4 client; needs npm ci in interop/livestore-node)") String clientA;
        @Option(names = "--client-b", defaultValue = "livesync", description = "livesync | livestore") String clientB;
        @Option(names = "--server-instances", defaultValue = "1", description = "server instances on one PostgreSQL database (needs --postgres); client i uses instance i mod N") int serverInstances;
        @CommandLine.Spec CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            Map<String, String> pinned = new LinkedHashMap<>();
            put(pinned, "todo-count-a", todoCountA);
            put(pinned, "todo-count-b", todoCountB);
            put(pinned, "commit-batch-size", commitBatchSize);
            put(pinned, "leader-push-batch-size", leaderPushBatchSize);
            put(pinned, "backend-push-batch-size", backendPushBatchSize);
            if (storage != null) {
                if (!storage.equals("file") && !storage.equals("memory")) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--storage must be file or memory");
                }
                pinned.put("storage", storage);
            }
            PushResumePolicy policy;
            List<NodeSync.Fault> parsedFaults = new ArrayList<>();
            try {
                policy = pushResume == null ? null : PushResumePolicy.parse(pushResume);
                for (String f : faults) {
                    parsedFaults.add(NodeSync.Fault.parse(f));
                }
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            int n = runs != null ? runs : NodeSync.defaultRuns(System.getenv());
            NodeSync.Options options;
            try {
                options = new NodeSync.Options(n, seed, Duration.ofSeconds(timeout), policy, postgres, parsedFaults,
                        logs, pinned, clients, Map.of("a", clientA, "b", clientB), serverInstances);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            List<NodeSync.RunResult> results = new NodeSync(out(spec)).run(options);
            return results.stream().allMatch(NodeSync.RunResult::passed) ? 0 : 1;
        }

        private static void put(Map<String, String> m, String k, Integer v) {
            if (v != null) {
                m.put(k, Integer.toString(v));
            }
        }
    }

    @Command(name = "diagnose", mixinStandardHelpOptions = true,
            description = "Read a run's logs (runner, server, client-*.log) and name the failure signatures found.")
    static final class Diagnose implements Callable<Integer> {
        @Parameters(paramLabel = "DIR", description = "a run folder, e.g. tmp/logs/<run-id>") Path dir;
        @Option(names = "--html", description = "also write the run as an HTML timeline to this file") Path html;
        @CommandLine.Spec CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            try {
                Diagnoser.Diagnosis diagnosis = Diagnoser.diagnose(dir);
                out(spec).print(diagnosis.render());
                if (html != null) {
                    java.nio.file.Files.writeString(html, io.livesync.sim.Timeline.render(dir, diagnosis));
                    out(spec).println("timeline written to " + html.toAbsolutePath());
                }
                return 0;
            } catch (java.io.IOException e) {
                spec.commandLine().getErr().println("livesync diagnose: " + e.getMessage());
                return 2;
            }
        }
    }

    @Command(name = "repro", mixinStandardHelpOptions = true, description = "Reproduce known bugs.",
            subcommands = {H001.class})
    static final class Repro implements Runnable {
        @CommandLine.Spec CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            spec.commandLine().usage(System.out);
        }
    }

    @Command(name = "h001", mixinStandardHelpOptions = true,
            description = "Without --client: the forced lost-ack scenario (SYNC-SPEC 4.2 I) across livesync processes, "
                    + "legacy rebase-only then the default, side by side with the diagnosis; exit 0 only if legacy "
                    + "stalls and the default converges. With --client: real clients (livestore-0.3.1, livestore-0.4.0, "
                    + "livesync, or all) under the faults F1-F3 of H001-REAL-CLIENTS.md, then the foreign-event probe; "
                    + "exit 0 only if every outcome is as expected.")
    static final class H001 implements Callable<Integer> {
        @Option(names = "--window", defaultValue = "8", description = "seconds to watch after the last commit (default ${DEFAULT-VALUE})") int window;
        @Option(names = "--logs", defaultValue = "tmp/logs", description = "log root (default ${DEFAULT-VALUE})") Path logs;
        @Option(names = "--client", split = ",", description = "livestore-0.3.1, livestore-0.4.0, livesync, or all") List<String> clients;
        @Option(names = "--fault", split = ",", description = "F1, F2, F3 or all (default all; with --client)") List<String> faults;
        @CommandLine.Spec CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if (clients == null || clients.isEmpty()) {
                return new ReproH001(out(spec)).runBoth(logs, Duration.ofSeconds(window)) ? 0 : 1;
            }
            List<io.livesync.sim.ReproRealClients.Kind> kinds = new ArrayList<>();
            for (String c : clients) {
                switch (c) {
                    case "all" -> kinds.addAll(List.of(io.livesync.sim.ReproRealClients.Kind.values()));
                    case "livestore-0.3.1" -> kinds.add(io.livesync.sim.ReproRealClients.Kind.LIVESTORE_031);
                    case "livestore-0.4.0" -> kinds.add(io.livesync.sim.ReproRealClients.Kind.LIVESTORE_040);
                    case "livesync" -> {
                        kinds.add(io.livesync.sim.ReproRealClients.Kind.LIVESYNC_LEGACY);
                        kinds.add(io.livesync.sim.ReproRealClients.Kind.LIVESYNC_DEFAULT);
                    }
                    default -> throw new CommandLine.ParameterException(spec.commandLine(), "unknown --client " + c
                            + " (livestore-0.3.1, livestore-0.4.0, livesync, all)");
                }
            }
            List<io.livesync.sim.ReproRealClients.Fault> fs = new ArrayList<>();
            for (String f : faults == null ? List.of("all") : faults) {
                if (f.equals("all")) {
                    fs.addAll(List.of(io.livesync.sim.ReproRealClients.Fault.values()));
                } else {
                    try {
                        fs.add(io.livesync.sim.ReproRealClients.Fault.valueOf(f.toUpperCase()));
                    } catch (IllegalArgumentException e) {
                        throw new CommandLine.ParameterException(spec.commandLine(), "unknown --fault " + f
                                + " (F1, F2, F3, all)");
                    }
                }
            }
            for (io.livesync.sim.ReproRealClients.Kind kind : kinds) {
                if (kind.driverFolder() != null) {
                    io.livesync.sim.LiveStoreDriver.ensureInstalled(kind.driverFolder()); // npm ci, or one clear line
                }
            }
            return new io.livesync.sim.ReproRealClients(out(spec), Duration.ofSeconds(3), Duration.ofSeconds(12))
                    .runMatrix(kinds, fs, logs) ? 0 : 1;
        }
    }
}
