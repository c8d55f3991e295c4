package io.livesync.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import io.livesync.core.leader.PushResumePolicy;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The deterministic simulator: reproducible, green under the default policy, and able to catch H001. */
class SimulationTest {

    private static final int CI_SEEDS = 300;

    private static PrintStream capture(ByteArrayOutputStream buffer) {
        return new PrintStream(buffer, true, StandardCharsets.UTF_8);
    }

    @Test
    void sameSeedSameTraceByteForByte() {
        Simulation.Config config = new Simulation.Config(4242, 3, 2000, PushResumePolicy.SUPERVISED, SimFaults.DEFAULT,
                true, 20);
        Simulation.Result first = Simulation.run(config);
        Simulation.Result second = Simulation.run(config);
        assertThat(first.trace()).isNotEmpty();
        assertThat(String.join("\n", second.trace())).isEqualTo(String.join("\n", first.trace()));
        assertThat(second.traceHash()).isEqualTo(first.traceHash());
        Simulation.Result other = Simulation.run(new Simulation.Config(4243, 3, 2000, PushResumePolicy.SUPERVISED,
                SimFaults.DEFAULT, true, 20));
        assertThat(other.traceHash()).isNotEqualTo(first.traceHash());
    }

    @Test
    void theDefaultPolicyPassesAFewHundredSeedsWithDenseFaults() {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        SimulationRunner runner = new SimulationRunner(capture(buffer));
        SimulationRunner.Summary summary = runner.sweep(1, CI_SEEDS, 3, 3000, 25, PushResumePolicy.SUPERVISED,
                SimFaults.DEFAULT, false);
        runner.printSummary(summary);
        String text = buffer.toString(StandardCharsets.UTF_8);
        System.out.println(text);
        assertThat(summary.failures()).as(text).isEmpty();
        // a green run must say what it exercised
        Simulation.Coverage c = summary.coverage();
        assertThat(c.pushErrorThenAdvanceOnly()).isPositive();
        assertThat(c.rebases()).isPositive();
        assertThat(c.lostAcks()).isPositive();
        assertThat(c.serverRestarts()).isPositive();
        assertThat(c.crashes()).isPositive();
        assertThat(c.partitions()).isPositive();
        assertThat(c.duplicates()).isPositive();
    }

    @Test
    void theSimulatorFindsTheH001StallUnderRebaseOnlyWithinTheFirst200Seeds() {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        SimulationRunner.Summary summary = new SimulationRunner(capture(buffer)).sweep(1, 200, 3, 3000, 25,
                PushResumePolicy.REBASE_ONLY, SimFaults.DEFAULT, true);
        String text = buffer.toString(StandardCharsets.UTF_8);
        assertThat(summary.failures()).as("rebase-only must stall on some seed among the first 200").isNotEmpty();
        Simulation.Result first = summary.failures().getFirst();
        System.out.println("[sim] rebase-only: first liveness violation at seed " + first.seed());
        assertThat(first.violation().invariant()).as(text).isEqualTo("liveness");
        assertThat(first.violation().detail()).contains("rebase-only").contains("parked");
        assertThat(first.violation().lastTrace()).isNotEmpty();
    }

    @Test
    void shrinkingKeepsTheFailureAndReducesTheCase() {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        SimulationRunner runner = new SimulationRunner(capture(buffer));
        SimulationRunner.Summary found = runner.sweep(1, 200, 3, 3000, 25, PushResumePolicy.REBASE_ONLY,
                SimFaults.DEFAULT, true);
        Simulation.Result failing = found.failures().getFirst();
        Simulation.Config original = new Simulation.Config(failing.seed(), 3, 3000, PushResumePolicy.REBASE_ONLY,
                SimFaults.DEFAULT, false, 25);
        Simulation.Config smallest = runner.shrink(original);
        assertThat(Simulation.run(smallest).passed()).isFalse();
        assertThat(smallest.steps() * smallest.commitsPerClient() * smallest.clients())
                .isLessThan(original.steps() * original.commitsPerClient() * original.clients());
        assertThat(buffer.toString(StandardCharsets.UTF_8)).contains("smallest failing case: --seed " + failing.seed());
    }
}
