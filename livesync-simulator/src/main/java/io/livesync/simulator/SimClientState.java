package io.livesync.simulator;

import io.livesync.core.Event;
import io.livesync.core.EventSeq;
import io.livesync.core.RebuildDecision;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A simulated client's materialized state, durable with its log: rows by todo id under the client's schema version
 * ({@link SimSchemas}), the undo log of the changes each applied event made, the names of events kept unmaterialized
 * (deferred, as {@code UnknownEventPolicy.DEFER_UNTIL_KNOWN}) and the fingerprint of the schema that built it. Every
 * change happens in the same step as the change of the client's log.
 */
final class SimClientState {

    /** A row change an applied event made, to undo it when the event is rolled back. */
    private record Undo(EventSeq seq, String key, String previous) {}

    private final Map<String, String> rows = new TreeMap<>();
    private final ArrayDeque<Undo> undo = new ArrayDeque<>();
    private final Set<String> deferred = new TreeSet<>();
    /** The fingerprint of the schema that built {@code rows} (null before the first open). */
    private String fingerprint;

    /** Applies one event under {@code version}, recording the undo of what it changed. */
    void apply(int version, Event e) {
        if (!SimSchemas.knows(version, e.name())) {
            deferred.add(e.name()); // kept in the log, materialized by a rebuild once the schema knows it
            undo.addLast(new Undo(e.seq(), null, null));
            return;
        }
        String key = SimSchemas.rowKey(version, e, rows);
        undo.addLast(new Undo(e.seq(), key, key == null ? null : rows.get(key)));
        SimSchemas.materialize(version, e, rows);
    }

    /** Undoes the newest change, which must be {@code e}'s; returns what is wrong, or null. */
    String rollBack(Event e) {
        Undo u = undo.pollLast();
        if (u == null || !u.seq().samePosition(e.seq())) {
            return "rolls back " + e.seq() + " but the newest change in its undo log is "
                    + (u == null ? "none" : u.seq());
        }
        if (u.key() != null) {
            if (u.previous() == null) {
                rows.remove(u.key());
            } else {
                rows.put(u.key(), u.previous());
            }
        }
        return null;
    }

    /** Rebuilds everything from {@code log} under {@code version} (what the client's rebuild does). */
    void replay(int version, List<Event> log) {
        rows.clear();
        undo.clear();
        deferred.clear();
        for (Event e : log) {
            apply(version, e);
        }
    }

    /**
     * Opening the client's file: {@code decide} (the shipped {@link RebuildDecision#decide}, or a test's variant) says
     * whether the state must be rebuilt; returns the rebuild's reason, or null when there was none.
     */
    String open(int version, List<Event> log, SimComponents.Rebuilds decide) {
        String current = SimSchemas.fingerprint(version);
        String reason = switch (decide.decide(fingerprint, current, log.size(), deferred,
                name -> SimSchemas.knows(version, name))) {
            case RebuildDecision.UpToDate upToDate -> null;
            case RebuildDecision.Create create -> {
                replay(version, log);
                yield null;
            }
            case RebuildDecision.Rebuild rebuild -> {
                replay(version, log);
                yield rebuild.reason();
            }
        };
        fingerprint = current;
        return reason;
    }

    /** Null when the rows equal a replay of {@code log} under {@code version}; otherwise both, for the report. */
    String differenceFromReplay(int version, List<Event> log) {
        Map<String, String> replay = new TreeMap<>();
        for (Event e : log) {
            if (SimSchemas.knows(version, e.name())) {
                SimSchemas.materialize(version, e, replay);
            }
        }
        return replay.equals(rows) ? null : "has state " + rows + " but a replay of its log gives " + replay;
    }
}
