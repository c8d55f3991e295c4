package io.livesync.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import io.livesync.core.leader.LeaderEffect;
import io.livesync.core.leader.LeaderInput;
import io.livesync.core.leader.LeaderLogic;
import io.livesync.core.leader.LeaderShell;
import io.livesync.core.leader.LeaderState;
import io.livesync.core.leader.PushResumePolicy;
import io.livesync.core.transport.ConnectionLifecycle;
import io.livesync.core.transport.ConnectionLifecycle.Effect;
import io.livesync.core.transport.ConnectionLifecycle.Input;
import io.livesync.core.transport.ConnectionLifecycle.Phase;
import io.livesync.hub.BuggyHubs;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue #13: the simulator runs the shipped shell and transport, so it catches the shell bugs of the client-bugs
 * issue when they come back. Each test re-introduces one bug in a test-scoped variant of the component and asserts
 * that a seeded sweep finds it (the seed that finds it is printed).
 */
class SimulatorCatchesShellBugsTest {

    private static final int SEEDS = 200;

    private static Simulation.Result firstFailure(String what, SimComponents components) {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        SimulationRunner.Summary summary = new SimulationRunner(new PrintStream(buffer, true, StandardCharsets.UTF_8))
                .sweep(1, SEEDS, 3, 3000, 25, PushResumePolicy.SUPERVISED, SimFaults.DEFAULT, true, components);
        assertThat(summary.failures()).as(what + ": the sweep of " + SEEDS + " seeds must find it").isNotEmpty();
        Simulation.Result first = summary.failures().getFirst();
        System.out.println("[sim] " + what + ": found at seed " + first.seed() + " (" + summary.seeds()
                + " seeds run): " + first.violation().invariant() + ": " + first.violation().detail());
        return first;
    }

    /**
     * #14: pipelined pushes are safe only because the hub stores a marked push only on top of the push before it on
     * the same connection. A hub with the parent rule alone lets a push land on foreign events after the push before
     * it was refused.
     */
    @Test
    void pipelinedPushesThroughAHubThatIgnoresTheirChainAreFound() {
        Simulation.Result found = firstFailure("pipelined pushes, parent rule only",
                SimComponents.SHIPPED.withHub(BuggyHubs::ignoresPushChains));
        assertThat(found.violation().invariant()).isIn("no-loss", "identical-logs", "no-duplicate", "commit-order", "confirmed-prefix",
                "local-log-ascending", "state-equals-replay", "liveness");
    }

    /** (a) The old WebSocketSyncBackend: a frame counts as the current socket's whatever socket it came from. */
    @Test
    void framesOfASupersededSocketTreatedAsCurrentAreFound() {
        SimComponents.Transport legacy = (state, input, now) -> {
            if (input instanceof Input.Frame frame && frame.generation() != state.openGeneration()) {
                if (state.phase() instanceof Phase.Open open) {
                    return SimComponents.LIFECYCLE.step(state, new Input.Frame(open.generation()), now);
                }
                // "connected" on any frame, delivered, although the socket is gone
                return new ConnectionLifecycle.Step(state, List.of(new Effect.AnnounceConnected(),
                        new Effect.Deliver(frame.generation())));
            }
            return SimComponents.LIFECYCLE.step(state, input, now);
        };
        Simulation.Result found = firstFailure("stale frames as current", SimComponents.SHIPPED.withTransport(legacy));
        assertThat(found.violation().invariant()).isIn("transport-announcements-alternate", "liveness");
    }

    /**
     * (d) A hub whose new pull registers before the instance caught up to the stored head (the duplicate delivery of
     * the server-bugs issue): with two instances and late announcements, publication hands the new pull events its
     * catch-up already gave it. The hub's last-resort guard drops them and logs ERROR, which the checker treats as a
     * violation; without the guard the pull-exact check would see the duplicate.
     */
    @Test
    void aPullRegisteredBeforeItsInstanceCaughtUpToTheStoredHeadIsFound() {
        Simulation.Result found = firstFailure("register before catching up to the stored head",
                SimComponents.SHIPPED.withHub(BuggyHubs::registersBeforeCatchingUpToTheStoredHead));
        assertThat(found.violation().invariant()).isIn("hub-logged-no-error", "pull-exact");
    }

    /** (e) A catch-up that registers its live subscription after reading the head: a batch in between is a gap. */
    @Test
    void aCatchUpThatRegistersAfterReadingTheHeadIsFound() {
        Simulation.Result found = firstFailure("register after reading the head",
                SimComponents.SHIPPED.withHub(BuggyHubs::registersAfterReadingTheHead));
        assertThat(found.violation().invariant()).isIn("pull-exact", "liveness");
    }

    /**
     * #15: a client that, opening its file after an upgrade, keeps the state the old schema built (no rebuild) holds
     * a state that is not the replay of its log under the new schema.
     */
    @Test
    void aClientThatKeepsItsOldStateAfterAnUpgradeIsFound() {
        Simulation.Result found = firstFailure("no rebuild after a schema upgrade", SimComponents.SHIPPED.withRebuilds(
                (stored, current, logSize, deferred, known) -> stored == null && logSize == 0
                        ? new io.livesync.core.RebuildDecision.Create() : new io.livesync.core.RebuildDecision.UpToDate()));
        assertThat(found.violation().invariant()).isEqualTo("state-equals-replay");
    }

    /** (b) Batches bounded by count only, against a server with a frame limit. */
    @Test
    void batchesBoundedByCountOnlyAreFound() {
        Simulation.Result found = firstFailure("count-only batches",
                SimComponents.SHIPPED.withClientsKnowingServerLimits(false));
        assertThat(found.violation().invariant()).isEqualTo("pushes-fit-server-limits");
    }

    /** #17: a client that drops a refused event from its pending events but forgets to roll back its effects. */
    @Test
    void droppingARefusedEventWithoutRollingItBackIsFound() {
        SimComponents.LeaderFactory forgetsRollback = (logic, initial, ports) -> new LeaderShell(logic, initial,
                new ForwardingPorts(ports) {
                    @Override
                    public void persist(LeaderEffect.Persist persist) {
                        // the bug: the persist of a refusal (no backend head, events to roll back) skips the rollback
                        boolean refusal = persist.backendHead() == null && !persist.rollback().isEmpty()
                                && persist.upstream().isEmpty();
                        super.persist(refusal ? new LeaderEffect.Persist(List.of(), persist.apply(),
                                persist.upstream(), persist.backendHead(), persist.backendId()) : persist);
                    }
                })::handle;
        Simulation.Result found = firstFailure("refused event dropped without rollback",
                SimComponents.SHIPPED.withLeader(forgetsRollback));
        assertThat(found.violation().invariant()).isIn("local-log-ascending", "refused-rolled-back", "identical-logs");
    }

    /** (c) A leader shell that tells sessions (completing their commits) before the transaction is made. */
    @Test
    void aShellThatCompletesCommitsBeforePersistingIsFound() {
        SimComponents.LeaderFactory completesFirst = (logic, initial, ports) -> new SimComponents.Interpreter() {
            private LeaderState state = initial;

            @Override
            public LeaderShell.Outcome handle(LeaderInput input, long now) {
                LeaderState before = state;
                LeaderLogic.Step step = logic.step(before, input, now);
                for (LeaderEffect effect : step.effects()) { // the bug: commits complete first
                    if (effect instanceof LeaderEffect.NotifySessions notify) {
                        ports.notifySessions(notify);
                    } else if (effect instanceof LeaderEffect.CompleteLocalPush complete) {
                        ports.completeLocalPush(complete);
                    }
                }
                for (LeaderEffect effect : step.effects()) {
                    if (effect instanceof LeaderEffect.Persist persist) {
                        try {
                            ports.persist(persist);
                        } catch (RuntimeException e) {
                            return new LeaderShell.Outcome.PersistFailed(e);
                        }
                    }
                }
                state = step.state();
                ports.published(before, state, input);
                for (LeaderEffect effect : step.effects()) {
                    switch (effect) {
                        case LeaderEffect.SendPush send -> ports.sendPush(send);
                        case LeaderEffect.StartPull pull -> ports.startPull(pull);
                        case LeaderEffect.SetTimer timer -> ports.setTimer(timer);
                        case LeaderEffect.ReportRefused refused -> ports.reportRefused(refused);
                        case LeaderEffect.Log log -> ports.log(state, log);
                        default -> { }
                    }
                }
                return new LeaderShell.Outcome.Applied(state);
            }
        };
        Simulation.Result found = firstFailure("commits completed before persisting",
                SimComponents.SHIPPED.withLeader(completesFirst));
        assertThat(found.violation().invariant()).isEqualTo("no-loss");
    }
}
