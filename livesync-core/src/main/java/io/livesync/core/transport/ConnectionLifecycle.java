package io.livesync.core.transport;

import java.util.ArrayList;
import java.util.List;

/**
 * The lifecycle of a client's connection to its sync server as a pure state machine:
 * {@code step(state, input, now) -> (state', effects)}. The WebSocket transport runs it on one thread (socket
 * callbacks only post inputs); the simulator can run it under a seed.
 *
 * <p>Invariants, each guarded by a unit test over every interleaving of open / frame / lost / ping / pause / close:
 * <ul>
 *   <li>Every socket has a generation. An input carrying a generation other than the current socket's (a frame, an
 *       error or a close of a socket being abandoned) changes nothing; a socket that opens after it was superseded is
 *       aborted. Frames are delivered ({@link Effect.Deliver}) only for the current socket.</li>
 *   <li>{@link Effect.AnnounceConnected} and {@link Effect.AnnounceDisconnected} strictly alternate, starting with
 *       connected: connected on the first frame of a socket, disconnected when that socket is lost.</li>
 *   <li>Losing the current socket always fails what is in flight on it, aborts it and schedules exactly one
 *       reconnect (unless closed).</li>
 *   <li>Liveness is independent of backpressure: while reading is paused (the client applies pages slower than they
 *       come) the ping timeout is suspended, and it restarts from the moment reading resumes.</li>
 * </ul>
 */
public final class ConnectionLifecycle {

    /** Where the connection is. */
    public sealed interface Phase {
        /** Not started. */
        record Idle() implements Phase {}

        /** Socket {@code generation} is being opened. */
        record Connecting(long generation) implements Phase {}

        /**
         * Socket {@code generation} is open; {@code announced} once its first frame arrived; {@code lastFrameAt} is
         * when the last frame arrived (or reading resumed); {@code readPaused} while the client is not reading.
         */
        record Open(long generation, boolean announced, long lastFrameAt, boolean readPaused) implements Phase {}

        /** Waiting for reconnect timer {@code token}. */
        record WaitingToReconnect(long token) implements Phase {}

        /** Closed for good. */
        record Closed() implements Phase {}
    }

    /** What happened. Generations tie every socket event to its socket. */
    public sealed interface Input {
        record Start() implements Input {}

        record SocketOpened(long generation) implements Input {}

        record SocketFailedToOpen(long generation, String cause) implements Input {}

        record Frame(long generation) implements Input {}

        record SocketLost(long generation, String cause) implements Input {}

        record PingTick() implements Input {}

        record ReadPaused(long generation) implements Input {}

        record ReadResumed(long generation) implements Input {}

        record ReconnectDue(long token) implements Input {}

        record Close() implements Input {}
    }

    /** What the transport must do, in order. */
    public sealed interface Effect {
        record OpenSocket(long generation) implements Effect {}

        record SendPing(long generation) implements Effect {}

        /** Drop socket {@code generation} without a close handshake. */
        record AbortSocket(long generation) implements Effect {}

        /** Close socket {@code generation} politely (the client is closing). */
        record CloseSocket(long generation) implements Effect {}

        /** Process the frame that was just stepped: it belongs to the current socket. */
        record Deliver(long generation) implements Effect {}

        record AnnounceConnected() implements Effect {}

        record AnnounceDisconnected(String cause) implements Effect {}

        /** Fail every push and pull in flight on the lost socket. */
        record FailInFlight(String cause) implements Effect {}

        record ScheduleReconnect(long token, long delayMillis) implements Effect {}

        /** A line for the log. */
        record Log(String event, String detail) implements Effect {}
    }

    /** The machine's state: the phase, the last generation handed out, reconnect attempts and the jitter source. */
    public record State(Phase phase, long generation, int reconnectAttempt, long nextToken, long rng) {
        public static State initial(long seed) {
            return new State(new Phase.Idle(), 0, 0, 1, seed);
        }

        /** Whether the current socket delivered a frame (what the leader was told). */
        public boolean announced() {
            return phase instanceof Phase.Open open && open.announced();
        }

        /** The generation of the open socket, or -1. */
        public long openGeneration() {
            return phase instanceof Phase.Open open ? open.generation() : -1;
        }
    }

    /** A new state and its effects. */
    public record Step(State state, List<Effect> effects) {
        public Step {
            effects = List.copyOf(effects);
        }
    }

    private final long pingIntervalMillis;
    private final long reconnectBaseMillis;
    private final long reconnectCapMillis;

    /**
     * @param pingIntervalMillis how often to ping; no frame for two intervals (while reading) drops the socket
     * @param reconnectBaseMillis first reconnect delay (then doubled per attempt, with jitter in [50%, 100%])
     * @param reconnectCapMillis largest reconnect delay
     */
    public ConnectionLifecycle(long pingIntervalMillis, long reconnectBaseMillis, long reconnectCapMillis) {
        if (pingIntervalMillis < 1 || reconnectBaseMillis < 1 || reconnectCapMillis < reconnectBaseMillis) {
            throw new IllegalArgumentException("need pingInterval >= 1 and 1 <= reconnect base <= cap, got "
                    + pingIntervalMillis + ", " + reconnectBaseMillis + ", " + reconnectCapMillis);
        }
        this.pingIntervalMillis = pingIntervalMillis;
        this.reconnectBaseMillis = reconnectBaseMillis;
        this.reconnectCapMillis = reconnectCapMillis;
    }

    /** How long without a frame (while reading) drops the socket. */
    public long silenceLimitMillis() {
        return 2 * pingIntervalMillis;
    }

    public Step step(State state, Input input, long now) {
        List<Effect> effects = new ArrayList<>();
        State next = switch (input) {
            case Input.Start start -> state.phase() instanceof Phase.Idle ? connect(state, effects) : state;
            case Input.SocketOpened opened -> onOpened(state, opened.generation(), now, effects);
            case Input.SocketFailedToOpen failed -> state.phase() instanceof Phase.Connecting c
                    && c.generation() == failed.generation()
                            ? waitToReconnect(state, "cannot connect: " + failed.cause(), effects) : state;
            case Input.Frame frame -> onFrame(state, frame.generation(), now, effects);
            case Input.SocketLost lost -> isCurrent(state, lost.generation())
                    ? lose(state, lost.cause(), effects) : state;
            case Input.PingTick tick -> onPingTick(state, now, effects);
            case Input.ReadPaused paused -> state.phase() instanceof Phase.Open o && o.generation() == paused.generation()
                    ? with(state, new Phase.Open(o.generation(), o.announced(), o.lastFrameAt(), true)) : state;
            case Input.ReadResumed resumed -> state.phase() instanceof Phase.Open o
                    && o.generation() == resumed.generation()
                            ? with(state, new Phase.Open(o.generation(), o.announced(), now, false)) : state;
            case Input.ReconnectDue due -> state.phase() instanceof Phase.WaitingToReconnect w
                    && w.token() == due.token() ? connect(state, effects) : state;
            case Input.Close close -> onClose(state, effects);
        };
        return new Step(next, effects);
    }

    private static boolean isCurrent(State s, long generation) {
        return switch (s.phase()) {
            case Phase.Connecting c -> c.generation() == generation;
            case Phase.Open o -> o.generation() == generation;
            default -> false;
        };
    }

    private static State with(State s, Phase phase) {
        return new State(phase, s.generation(), s.reconnectAttempt(), s.nextToken(), s.rng());
    }

    private static State connect(State s, List<Effect> effects) {
        long generation = s.generation() + 1;
        effects.add(new Effect.OpenSocket(generation));
        return new State(new Phase.Connecting(generation), generation, s.reconnectAttempt(), s.nextToken(), s.rng());
    }

    private static State onOpened(State s, long generation, long now, List<Effect> effects) {
        if (s.phase() instanceof Phase.Connecting c && c.generation() == generation) {
            effects.add(new Effect.SendPing(generation)); // the server's Pong is the first frame: "connected"
            return with(s, new Phase.Open(generation, false, now, false));
        }
        effects.add(new Effect.AbortSocket(generation)); // superseded or closed meanwhile
        return s;
    }

    private static State onFrame(State s, long generation, long now, List<Effect> effects) {
        if (!(s.phase() instanceof Phase.Open o) || o.generation() != generation) {
            return s; // a frame of a socket being abandoned: not delivered, announces nothing
        }
        State next = with(s, new Phase.Open(generation, true, now, o.readPaused()));
        if (!o.announced()) {
            next = new State(next.phase(), next.generation(), 0, next.nextToken(), next.rng());
            effects.add(new Effect.AnnounceConnected());
        }
        effects.add(new Effect.Deliver(generation));
        return next;
    }

    private State onPingTick(State s, long now, List<Effect> effects) {
        if (!(s.phase() instanceof Phase.Open o) || o.readPaused()) {
            return s; // while paused the client is not reading, so silence says nothing about the server
        }
        if (now - o.lastFrameAt() > silenceLimitMillis()) {
            return lose(s, "no frame from the server for " + silenceLimitMillis() + " ms", effects);
        }
        effects.add(new Effect.SendPing(o.generation()));
        return s;
    }

    private State lose(State s, String cause, List<Effect> effects) {
        long generation = s.generation();
        if (s.announced()) {
            effects.add(new Effect.AnnounceDisconnected(cause));
        }
        effects.add(new Effect.FailInFlight(cause));
        effects.add(new Effect.AbortSocket(generation));
        return waitToReconnect(s, cause, effects);
    }

    private State waitToReconnect(State s, String cause, List<Effect> effects) {
        long base = Math.min(reconnectCapMillis, reconnectBaseMillis << Math.min(s.reconnectAttempt(), 20));
        long rng = splitMix(s.rng());
        long delay = base / 2 + Math.floorMod(rng, base / 2 + 1);
        long token = s.nextToken();
        effects.add(new Effect.Log("reconnect-scheduled", cause + "; next attempt in " + delay + " ms"));
        effects.add(new Effect.ScheduleReconnect(token, delay));
        return new State(new Phase.WaitingToReconnect(token), s.generation(), s.reconnectAttempt() + 1, token + 1, rng);
    }

    private static State onClose(State s, List<Effect> effects) {
        switch (s.phase()) {
            case Phase.Closed closed -> {
                return s;
            }
            case Phase.Open o -> {
                if (o.announced()) {
                    effects.add(new Effect.AnnounceDisconnected("backend closed"));
                }
                effects.add(new Effect.FailInFlight("backend closed"));
                effects.add(new Effect.CloseSocket(o.generation()));
            }
            case Phase.Connecting c -> effects.add(new Effect.FailInFlight("backend closed"));
            default -> effects.add(new Effect.FailInFlight("backend closed"));
        }
        return with(s, new Phase.Closed());
    }

    private static long splitMix(long x) {
        long z = x + 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
