package io.livesync.cli;

import io.livesync.core.leader.PushResumePolicy;
import io.livesync.simulator.SimFaults;
import io.livesync.simulator.Simulation;
import io.livesync.simulator.SimulationRunner;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code livesync simulate}: the deterministic simulator over many seeds. */
@Command(name = "simulate", mixinStandardHelpOptions = true,
        description = "Deterministic simulation: the shipped leader shell, session logic and transport state machine "
                + "of N clients against one or two shipped server hubs over one in-memory store, in virtual time, "
                + "with seeded faults and an invariant checker. Exit 0 only if every seed passes.")
final class SimulateCommand implements Callable<Integer> {

    @Option(names = "--seeds", defaultValue = "1000", description = "number of seeds (default ${DEFAULT-VALUE})")
    int seeds;

    @Option(names = "--seed", description = "run this seed only (or start the sweep here with --seeds)")
    Long seed;

    @Option(names = "--clients", defaultValue = "3", description = "default ${DEFAULT-VALUE}")
    int clients;

    @Option(names = "--steps", defaultValue = "3000", description = "events of the chaos phase (default ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--commits", defaultValue = "25", description = "commits per client (default ${DEFAULT-VALUE})")
    int commits;

    @Option(names = "--faults", defaultValue = "default",
            description = "none | default | name=rate,... with names lost-ack, drop, duplicate, delay, server-restart, crash, "
                    + "partition, disk-failure, refusal")
    String faults;

    @Option(names = "--push-resume", defaultValue = "supervised",
            description = "rebase-only | on-advance | supervised | random (on-advance or supervised per client); "
                    + "default ${DEFAULT-VALUE}")
    String pushResume;

    @Option(names = "--trace", description = "with --seed: print the whole trace of the run")
    boolean trace;

    @Option(names = "--shrink", description = "with --seed: reduce a failing case and print the smallest")
    boolean shrink;

    @Option(names = "--quiet", description = "no progress bar, only the summary (the bar is also left out when the "
            + "output is not a terminal)")
    boolean quiet;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        SimFaults parsedFaults;
        PushResumePolicy policy;
        try {
            parsedFaults = SimFaults.parse(faults);
            policy = pushResume.equals("random") ? null : PushResumePolicy.parse(pushResume);
            new Simulation.Config(0, clients, steps, policy, parsedFaults, false, commits);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        SimulationRunner runner = new SimulationRunner(out, !quiet && System.console() != null);
        if (seed != null && (trace || shrink || !spec.commandLine().getParseResult().hasMatchedOption("--seeds"))) {
            Simulation.Config config = new Simulation.Config(seed, clients, steps, policy, parsedFaults, trace, commits);
            if (shrink) {
                runner.shrink(config);
                return 1;
            }
            Simulation.Result r = Simulation.run(config);
            r.trace().forEach(out::println);
            out.println(r.passed() ? "seed " + seed + ": passed (" + r.steps() + " steps, " + r.virtualMillis()
                    + " ms virtual, trace sha256 " + r.traceHash() + ")" : r.violation().render(seed));
            return r.passed() ? 0 : 1;
        }
        long first = seed != null ? seed : 1;
        SimulationRunner.Summary summary = runner.sweep(first, seeds, clients, steps, commits, policy, parsedFaults,
                false);
        runner.printSummary(summary);
        return summary.failures().isEmpty() ? 0 : 1;
    }
}
