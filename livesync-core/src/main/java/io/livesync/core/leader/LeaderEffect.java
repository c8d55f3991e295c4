package io.livesync.core.leader;

import io.livesync.core.Event;
import io.livesync.core.EventSeq;
import io.livesync.core.MergePayload;
import java.util.List;
import java.util.Map;

/** What the leader asks its driver to do, in order, after a step (DESIGN.md §3). */
public sealed interface LeaderEffect {

    /**
     * One database transaction: undo {@code rollback} (in reverse order), materialize and log {@code apply} (in
     * order), store the sync metadata of {@code upstream} events already in the log, and record the backend head and
     * backend id (each {@code null} when unchanged).
     */
    record Persist(List<Event> rollback, List<Event> apply, List<Event> upstream, Long backendHead, String backendId)
            implements LeaderEffect {
        public Persist {
            rollback = List.copyOf(rollback);
            apply = List.copyOf(apply);
            upstream = List.copyOf(upstream);
        }
    }

    /**
     * One database transaction, instead of a {@link Persist}: the backend was reset; drop the whole log and state,
     * start over at head 0 with {@code backendId}, and log and materialize {@code reapply} as pending events.
     */
    record ResetLocal(String backendId, List<Event> reapply) implements LeaderEffect {
        public ResetLocal {
            reapply = List.copyOf(reapply);
        }
    }

    /**
     * Push {@code batch} to the backend; report the result as {@code PushAccepted/PushFailed(attemptId)}. When
     * {@code chainsOnPrevious}, the batch's parent is the last event of the push sent just before it on the same
     * connection, and the server must store it only if it stored that push (a pipelined push).
     */
    record SendPush(long attemptId, List<Event> batch, String backendId, boolean chainsOnPrevious)
            implements LeaderEffect {
        public SendPush {
            batch = List.copyOf(batch);
        }

        /** A push that is the only one in flight. */
        public SendPush(long attemptId, List<Event> batch, String backendId) {
            this(attemptId, batch, backendId, false);
        }
    }

    /** Start pulling events after global {@code cursor} (replacing any running pull). */
    record StartPull(long pullId, long cursor, String backendId, boolean live) implements LeaderEffect {}

    /** Tell every session what the leader merged; {@code leaderHead} is the leader's local head afterwards. */
    record NotifySessions(MergePayload payload, EventSeq leaderHead) implements LeaderEffect {}

    /** Answer session push {@code pushId}. */
    record CompleteLocalPush(long pushId, LocalPushOutcome outcome) implements LeaderEffect {}

    /** Tell the application that the server refused {@code event} (it was dropped from the pending events). */
    record ReportRefused(Event event, String reason) implements LeaderEffect {}

    /** Fire {@code TimerFired(kind, token)} at {@code atMillis}. */
    record SetTimer(LeaderInput.TimerKind kind, long token, long atMillis) implements LeaderEffect {}

    /** Write a structured log line with the DESIGN.md §4.9 vocabulary; the driver adds heads and loop state. */
    record Log(io.livesync.core.LogLevel level, String event, Map<String, Object> fields) implements LeaderEffect {
        public Log {
            fields = Map.copyOf(fields);
        }
    }
}
