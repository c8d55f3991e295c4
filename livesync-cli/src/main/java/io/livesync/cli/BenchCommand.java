package io.livesync.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code livesync bench}: benchmarks that print numbers (never asserted in tests). */
@Command(name = "bench", description = "Benchmarks; results are recorded in docs/benchmarks.md.",
        mixinStandardHelpOptions = true, subcommands = {BenchCommand.Merge.class, ClientBenchmark.class, RebuildBenchmark.class,
            ServerBenchmark.class, NodeSyncBenchmark.class, BenchCommand.Interop.class,
            BenchCommand.Peer.class})
final class BenchCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** {@code livesync bench interop}. */
    @Command(name = "interop", mixinStandardHelpOptions = true,
            description = "Time to convergence of LiveStore+LiveStore, livesync+livesync and mixed client pairs "
                    + "(needs npm ci in interop/livestore-node; run from the repository root).")
    static final class Interop implements Callable<Integer> {
        @Option(names = "--todos", defaultValue = "10000", description = "N (default ${DEFAULT-VALUE})")
        int todos;

        @Override
        public Integer call() throws Exception {
            new io.livesync.sim.InteropBenchmark(new java.io.PrintStream(System.out, true,
                    java.nio.charset.StandardCharsets.UTF_8)).runAll(todos);
            return 0;
        }
    }

    /** {@code livesync bench peer}. */
    @Command(name = "peer", mixinStandardHelpOptions = true,
            description = "The same four workloads (A commits 1,000 / 10,000 that B must see; A and B commit 500 / "
                    + "5,000 each at once) for a pair of LiveStore 0.4.0 node clients and a pair of livesync Java "
                    + "clients through livesync's server, with the ratio. Installs the LiveStore driver if missing.")
    static final class Peer implements Callable<Integer> {
        @Option(names = "--cap-seconds", defaultValue = "600", description = "give up on a pair after this long "
                + "(default ${DEFAULT-VALUE})")
        long capSeconds;

        @Option(names = "--small", description = "only the two small workloads (1,000 and 500 + 500)")
        boolean small;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if (capSeconds < 1) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--cap-seconds must be >= 1");
            }
            io.livesync.sim.LiveStoreDriver.ensureInstalled("interop/livestore-node");
            java.util.List<io.livesync.sim.PeerBenchmark.Workload> workloads = small
                    ? java.util.List.of(io.livesync.sim.PeerBenchmark.WORKLOADS.get(0),
                            io.livesync.sim.PeerBenchmark.WORKLOADS.get(2))
                    : io.livesync.sim.PeerBenchmark.WORKLOADS;
            new io.livesync.sim.PeerBenchmark(new java.io.PrintStream(System.out, true,
                    java.nio.charset.StandardCharsets.UTF_8), java.time.Duration.ofSeconds(capSeconds))
                    .runAll(workloads, java.nio.file.Files.createTempDirectory("livesync-bench-peer"));
            return 0;
        }
    }

    /** {@code livesync bench merge}. */
    @Command(name = "merge", mixinStandardHelpOptions = true,
            description = "Pure SyncState.merge: an upstream advance confirming 100 events with K pending, and a "
                    + "rebase of K pending, for K = 10, 100, 1000 (and 10000 with --large).")
    static final class Merge implements Callable<Integer> {

        @Option(names = "--rounds", defaultValue = "5", description = "measured rounds per case (default ${DEFAULT-VALUE})")
        int rounds;

        @Option(names = "--round-millis", defaultValue = "500", description = "length of one round (default ${DEFAULT-VALUE} ms)")
        long roundMillis;

        @Option(names = "--large", description = "also run K = 10000")
        boolean large;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            if (rounds < 1 || roundMillis < 10) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "--rounds must be >= 1 and --round-millis >= 10");
            }
            PrintWriter out = spec.commandLine().getOut();
            new MergeBenchmark(rounds, roundMillis, out).run(large);
            return 0;
        }
    }
}
