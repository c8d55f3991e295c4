package io.livesync.core.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.livesync.core.Seeds;
import io.livesync.core.transport.ConnectionLifecycle.Effect;
import io.livesync.core.transport.ConnectionLifecycle.Input;
import io.livesync.core.transport.ConnectionLifecycle.Phase;
import io.livesync.core.transport.ConnectionLifecycle.State;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Issue #11 items 2 and 6: the connection lifecycle over every interleaving (exhaustively to depth 5, then seeded
 * random walks of 40 steps) of open / frame / lost / ping / pause / resume / reconnect / close, with inputs of the
 * current, the previous and the next socket generation.
 */
class ConnectionLifecycleTest {

    private static final long PING = 100;
    private final ConnectionLifecycle machine = new ConnectionLifecycle(PING, 10, 1000);

    /** The world around the machine: the clock and what the listener was told. */
    private static final class World {
        State state = State.initial(7);
        long now;
        int announced; // connected minus disconnected: 0 or 1
        boolean closed;
        final List<String> trace = new ArrayList<>();

        World copy() {
            World w = new World();
            w.state = state;
            w.now = now;
            w.announced = announced;
            w.closed = closed;
            w.trace.addAll(trace);
            return w;
        }
    }

    /** Every input that can arrive in {@code s}, with generations around the current one and two clock steps. */
    private static List<Input> candidates(State s) {
        long g = s.generation();
        List<Input> inputs = new ArrayList<>();
        inputs.add(new Input.Start());
        for (long gen : new long[] {g - 1, g, g + 1}) {
            inputs.add(new Input.SocketOpened(gen));
            inputs.add(new Input.Frame(gen));
            inputs.add(new Input.SocketLost(gen, "lost " + gen));
        }
        inputs.add(new Input.SocketFailedToOpen(g, "refused"));
        inputs.add(new Input.PingTick());
        inputs.add(new Input.ReadPaused(g));
        inputs.add(new Input.ReadResumed(g));
        long token = s.phase() instanceof Phase.WaitingToReconnect w ? w.token() : s.nextToken() - 1;
        inputs.add(new Input.ReconnectDue(token));
        inputs.add(new Input.ReconnectDue(token - 1));
        inputs.add(new Input.Close());
        return inputs;
    }

    /** Steps one input, checking every invariant of the class Javadoc. */
    private void stepAndCheck(World w, Input input, long advance) {
        w.now += advance;
        State before = w.state;
        ConnectionLifecycle.Step step = machine.step(before, input, w.now);
        w.state = step.state();
        w.trace.add("t=" + w.now + " " + input + " -> " + step.effects() + " => " + step.state().phase());
        String where = String.join("\n", w.trace);
        int reconnects = 0;
        for (Effect e : step.effects()) {
            switch (e) {
                case Effect.AnnounceConnected c -> {
                    assertThat(w.announced).as("connected twice in a row:\n" + where).isZero();
                    assertThat(w.closed).as("announced after close:\n" + where).isFalse();
                    w.announced = 1;
                }
                case Effect.AnnounceDisconnected d -> {
                    assertThat(w.announced).as("disconnected while not connected:\n" + where).isEqualTo(1);
                    w.announced = 0;
                }
                case Effect.Deliver d -> {
                    assertThat(input).as("only a frame is delivered:\n" + where).isInstanceOf(Input.Frame.class);
                    assertThat(d.generation()).as("only a frame of the current socket:\n" + where)
                            .isEqualTo(((Input.Frame) input).generation()).isEqualTo(before.openGeneration());
                }
                case Effect.OpenSocket o -> {
                    assertThat(w.closed).as("opened after close:\n" + where).isFalse();
                    assertThat(o.generation()).as("generations only grow:\n" + where)
                            .isGreaterThan(before.generation());
                }
                case Effect.ScheduleReconnect r -> {
                    reconnects++;
                    assertThat(r.delayMillis()).isBetween(5L, 1000L);
                }
                default -> { }
            }
        }
        assertThat(reconnects).as("at most one reconnect per step:\n" + where).isLessThanOrEqualTo(1);
        if (input instanceof Input.Close) {
            w.closed = true;
        }
        // the listener's view always matches the machine's
        assertThat(w.announced == 1).as("listener view == machine view:\n" + where).isEqualTo(w.state.announced());
        // a stale generation changes nothing but aborting a superseded socket
        long gen = switch (input) {
            case Input.Frame f -> f.generation();
            case Input.SocketLost l -> l.generation();
            case Input.SocketOpened o -> o.generation();
            default -> Long.MIN_VALUE;
        };
        boolean current = switch (before.phase()) {
            case Phase.Connecting c -> c.generation() == gen;
            case Phase.Open o -> o.generation() == gen;
            default -> false;
        };
        if (gen != Long.MIN_VALUE && !current) {
            assertThat(w.state).as("a stale input changed the state:\n" + where).isEqualTo(before);
            assertThat(step.effects()).as("a stale input had effects:\n" + where)
                    .allMatch(e -> e instanceof Effect.AbortSocket a && a.generation() == gen);
        }
        // losing the current socket fails what is in flight and schedules one reconnect
        if (input instanceof Input.SocketLost && current) {
            assertThat(step.effects()).anyMatch(Effect.FailInFlight.class::isInstance)
                    .anyMatch(Effect.ScheduleReconnect.class::isInstance);
        }
    }

    @Test
    void everyInterleavingToDepthFiveKeepsTheInvariants() {
        int[] paths = {0};
        explore(new World(), 5, paths);
        assertThat(paths[0]).isGreaterThan(100_000);
    }

    private void explore(World w, int depth, int[] paths) {
        if (depth == 0) {
            paths[0]++;
            return;
        }
        for (Input input : candidates(w.state)) {
            for (long advance : input instanceof Input.PingTick ? new long[] {PING, 3 * PING} : new long[] {1}) {
                World next = w.copy();
                stepAndCheck(next, input, advance);
                explore(next, depth - 1, paths);
            }
        }
    }

    @Test
    void randomWalksKeepTheInvariantsAndAlwaysReconnect() {
        long seed = Seeds.seed("ConnectionLifecycleTest.randomWalks");
        SplittableRandom random = new SplittableRandom(seed);
        for (int walk = 0; walk < 5_000; walk++) {
            World w = new World();
            for (int i = 0; i < 40; i++) {
                List<Input> inputs = candidates(w.state);
                Input input = inputs.get(random.nextInt(inputs.size()));
                if (input instanceof Input.Close && random.nextInt(4) != 0) {
                    continue; // close rarely, so walks get deep
                }
                stepAndCheck(w, input, input instanceof Input.PingTick ? PING * (1 + random.nextInt(3)) : 1);
            }
            // liveness: unless closed, the happy path from here always ends connected
            if (!w.closed) {
                driveToConnected(w);
                assertThat(w.state.announced()).as("seed " + seed + " walk " + walk + ":\n"
                        + String.join("\n", w.trace)).isTrue();
            }
        }
    }

    private void driveToConnected(World w) {
        for (int i = 0; i < 6 && !w.state.announced(); i++) {
            switch (w.state.phase()) {
                case Phase.Idle idle -> stepAndCheck(w, new Input.Start(), 1);
                case Phase.Connecting c -> stepAndCheck(w, new Input.SocketOpened(c.generation()), 1);
                case Phase.Open o -> stepAndCheck(w, new Input.Frame(o.generation()), 1);
                case Phase.WaitingToReconnect r -> stepAndCheck(w, new Input.ReconnectDue(r.token()), 1000);
                case Phase.Closed closed -> { }
            }
        }
    }

    @Test
    void aStaleFrameAfterTheSocketWasLostNeitherAnnouncesNorDelivers() {
        World w = new World();
        stepAndCheck(w, new Input.Start(), 1);
        stepAndCheck(w, new Input.SocketOpened(1), 1);
        stepAndCheck(w, new Input.Frame(1), 1);
        stepAndCheck(w, new Input.SocketLost(1, "closed by the server"), 1);
        ConnectionLifecycle.Step stale = machine.step(w.state, new Input.Frame(1), w.now);
        assertThat(stale.effects()).isEmpty();
        assertThat(stale.state().announced()).isFalse();
    }

    @Test
    void aPausedReaderIsNotDroppedForSilenceAndTheClockRestartsOnResume() {
        World w = new World();
        stepAndCheck(w, new Input.Start(), 1);
        stepAndCheck(w, new Input.SocketOpened(1), 1);
        stepAndCheck(w, new Input.Frame(1), 1);
        stepAndCheck(w, new Input.ReadPaused(1), 1);
        for (int i = 0; i < 50; i++) {
            stepAndCheck(w, new Input.PingTick(), PING); // 5 s of a slow leader
        }
        assertThat(w.state.announced()).as("still connected while paused").isTrue();
        stepAndCheck(w, new Input.ReadResumed(1), 1);
        stepAndCheck(w, new Input.PingTick(), PING);
        assertThat(w.state.announced()).as("the silence clock restarted on resume").isTrue();
        stepAndCheck(w, new Input.PingTick(), 2 * PING);
        assertThat(w.state.announced()).as("a silent server is dropped once reading again").isFalse();
    }
}
