package io.livesync.simulator;

import io.livesync.core.leader.PushResumePolicy;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/** Runs many seeds with a progress line and a summary; shrinks a failing case on request. */
public final class SimulationRunner {

    /** The totals of a sweep. */
    public record Summary(int seeds, List<Simulation.Result> failures, long steps, double seconds,
            Simulation.Coverage coverage) {
        public double seedsPerMinute() {
            return seeds / seconds * 60;
        }

        public double stepsPerSecond() {
            return steps / seconds;
        }
    }

    private final PrintStream out;
    private final boolean progressBar;

    /** A runner that draws its progress bar only when {@code progressBar} (a terminal, not a redirected file). */
    public SimulationRunner(PrintStream out, boolean progressBar) {
        this.out = out;
        this.progressBar = progressBar;
    }

    /** A runner that draws its progress bar. */
    public SimulationRunner(PrintStream out) {
        this(out, true);
    }

    /** Runs seeds {@code first .. first+count-1}. */
    public Summary sweep(long first, int count, int clients, int steps, int commits, PushResumePolicy policy,
            SimFaults faults, boolean stopAtFirstFailure) {
        return sweep(first, count, clients, steps, commits, policy, faults, stopAtFirstFailure, SimComponents.SHIPPED);
    }

    /** A sweep over {@code components} (tests swap in a broken variant to show the sweep finds it). */
    Summary sweep(long first, int count, int clients, int steps, int commits, PushResumePolicy policy,
            SimFaults faults, boolean stopAtFirstFailure, SimComponents components) {
        long start = System.nanoTime();
        List<Simulation.Result> failures = new ArrayList<>();
        long totalSteps = 0;
        Simulation.Coverage total = Simulation.Coverage.NONE;
        int done = 0;
        for (int i = 0; i < count; i++) {
            Simulation.Result r = Simulation.run(new Simulation.Config(first + i, clients, steps, policy, faults, false,
                    commits), components);
            done++;
            totalSteps += r.steps();
            total = total.plus(r.coverage());
            if (!r.passed()) {
                failures.add(r);
                out.println();
                out.print(r.violation().render(r.seed()));
                if (stopAtFirstFailure) {
                    break;
                }
            }
            if (progressBar && (done % Math.max(1, count / 20) == 0 || done == count)) {
                int bar = (int) (20.0 * done / count);
                double secs = (System.nanoTime() - start) / 1e9;
                out.printf("\r[%s%s] %d/%d seeds, %d failed, %.0f seeds/min   ", "#".repeat(bar), " ".repeat(20 - bar),
                        done, count, failures.size(), done / secs * 60);
                out.flush();
            }
        }
        if (progressBar) {
            out.println();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Summary(done, failures, totalSteps, seconds, total);
    }

    public void printSummary(Summary s) {
        out.printf("simulate: %d passed, %d failed  (%d seeds in %.1f s: %.0f seeds/min, %.0f steps/s)%n",
                s.seeds() - s.failures().size(), s.failures().size(), s.seeds(), s.seconds(), s.seedsPerMinute(),
                s.stepsPerSecond());
        Simulation.Coverage c = s.coverage();
        out.printf("coverage: push errors followed by an advance-only upstream change %d, rebases %d, lost acks %d, "
                + "server restarts %d, client crashes %d, partitions %d, dropped connections %d, duplicate pushes %d, "
                + "commits %d, events accepted %d, silent partitions %d, ping timeouts %d, stale frames dropped %d, "
                + "disk failures %d, validator refusals %d, runs on two server instances %d, delayed announcements %d, "
                + "lost announcements %d, LISTEN outages %d, pushes accepted while a pull was catching up %d, "
                + "schema upgrades %d, state rebuilds %d, pipelined pushes %d, pipelined pushes refused as the "
                + "push before them was %d%n",
                c.pushErrorThenAdvanceOnly(), c.rebases(), c.lostAcks(), c.serverRestarts(), c.crashes(), c.partitions(),
                c.drops(), c.duplicates(), c.commits(), c.serverEvents(), c.silentPartitions(), c.pingTimeouts(),
                c.staleFrames(), c.diskFailures(), c.refusals(), c.twoInstanceRuns(), c.delayedAnnouncements(),
                c.lostAnnouncements(), c.listenOutages(), c.pushesDuringCatchUp(), c.upgrades(), c.rebuilds(),
                c.pipelinedPushes(), c.chainBrokenRefusals());
        if (!s.failures().isEmpty()) {
            out.println("failing seeds: " + s.failures().stream().map(r -> Long.toString(r.seed())).toList()
                    + "  (re-run one with --seed S --trace, reduce it with --seed S --shrink)");
        }
        out.flush();
    }

    /**
     * Reduces a failing case while it still fails with the same invariant: fewer steps, fewer commits, fewer clients,
     * each fault off. Returns the smallest failing configuration found.
     */
    public Simulation.Config shrink(Simulation.Config failing) {
        Simulation.Result base = Simulation.run(failing);
        if (base.passed()) {
            out.println("shrink: seed " + failing.seed() + " passes with this configuration; nothing to shrink");
            return failing;
        }
        String invariant = base.violation().invariant();
        Simulation.Config best = failing;
        boolean progress = true;
        while (progress) {
            progress = false;
            List<Simulation.Config> candidates = new ArrayList<>();
            if (best.steps() > 50) {
                candidates.add(new Simulation.Config(best.seed(), best.clients(), best.steps() / 2, best.policy(),
                        best.faults(), false, best.commitsPerClient()));
            }
            if (best.commitsPerClient() > 1) {
                candidates.add(new Simulation.Config(best.seed(), best.clients(), best.steps(), best.policy(),
                        best.faults(), false, best.commitsPerClient() / 2));
            }
            if (best.clients() > 1) {
                candidates.add(new Simulation.Config(best.seed(), best.clients() - 1, best.steps(), best.policy(),
                        best.faults(), false, best.commitsPerClient()));
            }
            for (String fault : best.faults().asMap().keySet()) {
                if (best.faults().asMap().get(fault) > 0) {
                    candidates.add(new Simulation.Config(best.seed(), best.clients(), best.steps(), best.policy(),
                            best.faults().with(fault, 0), false, best.commitsPerClient()));
                }
            }
            for (Simulation.Config candidate : candidates) {
                Simulation.Result r = Simulation.run(candidate);
                if (!r.passed() && r.violation().invariant().equals(invariant)) {
                    best = candidate;
                    progress = true;
                    out.println("shrink: still fails (" + invariant + ") with clients=" + best.clients() + " steps="
                            + best.steps() + " commits=" + best.commitsPerClient() + " faults=" + best.faults().asMap());
                    break;
                }
            }
        }
        Simulation.Result smallest = Simulation.run(new Simulation.Config(best.seed(), best.clients(), best.steps(),
                best.policy(), best.faults(), true, best.commitsPerClient()));
        out.println("shrink: smallest failing case: --seed " + best.seed() + " --clients " + best.clients() + " --steps "
                + best.steps() + " --commits " + best.commitsPerClient() + " --faults " + faultsArg(best.faults())
                + (best.policy() == null ? "" : " --push-resume " + best.policy().cliName()));
        out.print(smallest.violation().render(best.seed()));
        out.flush();
        return best;
    }

    static String faultsArg(SimFaults f) {
        StringBuilder sb = new StringBuilder();
        f.asMap().forEach((k, v) -> sb.append(sb.isEmpty() ? "" : ",").append(k).append('=').append(v));
        return sb.toString();
    }
}
