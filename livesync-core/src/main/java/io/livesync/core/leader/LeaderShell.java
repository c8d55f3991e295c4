package io.livesync.core.leader;

import java.util.List;
import java.util.Objects;

/**
 * The one interpreter of the leader's effects: the order in which a step's effects happen, over ports. Production
 * ({@code LeaderDriver}, one virtual thread) and the deterministic simulator (its scheduler) both run every leader
 * input through this class, so the simulator exercises the order that ships.
 *
 * <p>The order, and why:
 * <ol>
 *   <li>{@link LeaderEffect.Persist} (and {@link LeaderEffect.ResetLocal}) first, all of them, before anything is visible: if the transaction fails the
 *       step's new state is discarded and nothing else happens (the store is unchanged, nothing was announced).</li>
 *   <li>Then the new state is published ({@link Ports#published}), so that a status read is never behind a commit
 *       that already returned.</li>
 *   <li>Then every other effect in the order the step produced them: sessions hear about events before their pushes
 *       are completed (a session's fence resolves by itself), and the backend is told last.</li>
 * </ol>
 * Not thread-safe: one caller at a time (the leader thread, or the simulator).
 */
public final class LeaderShell {

    /** Where the effects go. Implementations must not block for long; results come back as new inputs. */
    public interface Ports {
        /** One transaction; throws (leaving the store unchanged) if it cannot be made. */
        void persist(LeaderEffect.Persist persist);

        /** One transaction that drops the log and state and starts over (a backend reset); throws like persist. */
        void resetLocal(LeaderEffect.ResetLocal reset);

        /** The step's new state is now the leader's state. */
        void published(LeaderState before, LeaderState after, LeaderInput input);

        void sendPush(LeaderEffect.SendPush send);

        void startPull(LeaderEffect.StartPull pull);

        void notifySessions(LeaderEffect.NotifySessions notify);

        void completeLocalPush(LeaderEffect.CompleteLocalPush complete);

        void setTimer(LeaderEffect.SetTimer timer);

        /** The server refused an event; it is gone from the pending events and its effects are rolled back. */
        void reportRefused(LeaderEffect.ReportRefused refused);

        void log(LeaderState state, LeaderEffect.Log log);
    }

    /** What became of one input. */
    public sealed interface Outcome {
        /** The step happened: its state is published and its effects ran. */
        record Applied(LeaderState state) implements Outcome {}

        /** The transaction failed: the state and the store are as before, no other effect ran. */
        record PersistFailed(RuntimeException error) implements Outcome {}
    }

    private final LeaderLogic logic;
    private final Ports ports;
    private LeaderState state;

    public LeaderShell(LeaderLogic logic, LeaderState initial, Ports ports) {
        this.logic = Objects.requireNonNull(logic, "logic");
        this.state = Objects.requireNonNull(initial, "initial");
        this.ports = Objects.requireNonNull(ports, "ports");
    }

    public LeaderState state() {
        return state;
    }

    public LeaderLogic logic() {
        return logic;
    }

    /** Steps {@code input} at {@code now} and runs its effects in the documented order. */
    public Outcome handle(LeaderInput input, long now) {
        LeaderState before = state;
        LeaderLogic.Step step = logic.step(before, input, now);
        List<LeaderEffect> effects = step.effects();
        for (LeaderEffect effect : effects) {
            try {
                if (effect instanceof LeaderEffect.Persist persist) {
                    ports.persist(persist);
                } else if (effect instanceof LeaderEffect.ResetLocal reset) {
                    ports.resetLocal(reset);
                }
            } catch (RuntimeException e) {
                return new Outcome.PersistFailed(e);
            }
        }
        state = step.state();
        ports.published(before, state, input);
        for (LeaderEffect effect : effects) {
            switch (effect) {
                case LeaderEffect.Persist persist -> { }
                case LeaderEffect.ResetLocal reset -> { }
                case LeaderEffect.SendPush send -> ports.sendPush(send);
                case LeaderEffect.StartPull pull -> ports.startPull(pull);
                case LeaderEffect.NotifySessions notify -> ports.notifySessions(notify);
                case LeaderEffect.CompleteLocalPush complete -> ports.completeLocalPush(complete);
                case LeaderEffect.SetTimer timer -> ports.setTimer(timer);
                case LeaderEffect.ReportRefused refused -> ports.reportRefused(refused);
                case LeaderEffect.Log log -> ports.log(state, log);
            }
        }
        return new Outcome.Applied(state);
    }
}
