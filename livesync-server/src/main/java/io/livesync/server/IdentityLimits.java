package io.livesync.server;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-identity push limits: two token buckets per subject (pushes per second, events per second), each holding at most
 * one second's worth (at least one token). A push takes one push token and {@code min(events, capacity)} event
 * tokens, or nothing, and is then told how long until it would fit. Pure decisions: time comes in as
 * {@code nowNanos}. Idle identities (both buckets full again) are forgotten once more than {@value #SWEEP_ABOVE}
 * are tracked, so the map stays bounded by the identities active within about a second.
 */
final class IdentityLimits {

    static final int SWEEP_ABOVE = 10_000;

    /** The answer for one push. */
    sealed interface Decision {
        record Allowed() implements Decision { }

        record Limited(long retryAfterMillis, String reason) implements Decision { }
    }

    private static final Decision ALLOWED = new Decision.Allowed();

    private final double pushesPerSecond;
    private final double eventsPerSecond;
    private final ConcurrentHashMap<String, Buckets> buckets = new ConcurrentHashMap<>();

    /** 0 turns a limit off. */
    IdentityLimits(double pushesPerSecond, double eventsPerSecond) {
        this.pushesPerSecond = pushesPerSecond;
        this.eventsPerSecond = eventsPerSecond;
    }

    boolean enabled() {
        return pushesPerSecond > 0 || eventsPerSecond > 0;
    }

    Decision acquire(String subject, int events, long nowNanos) {
        if (!enabled()) {
            return ALLOWED;
        }
        Decision[] out = new Decision[1];
        buckets.compute(subject, (k, b) -> {
            Buckets cur = b == null ? new Buckets(capacity(pushesPerSecond), capacity(eventsPerSecond), nowNanos) : b;
            cur.refill(nowNanos, pushesPerSecond, eventsPerSecond);
            double pushCost = pushesPerSecond > 0 ? 1 : 0;
            double eventCost = eventsPerSecond > 0 ? Math.min(events, capacity(eventsPerSecond)) : 0;
            double pushWait = pushCost > cur.pushes ? (pushCost - cur.pushes) / pushesPerSecond : 0;
            double eventWait = eventCost > cur.events ? (eventCost - cur.events) / eventsPerSecond : 0;
            if (pushWait == 0 && eventWait == 0) {
                cur.pushes -= pushCost;
                cur.events -= eventCost;
                out[0] = ALLOWED;
            } else {
                out[0] = new Decision.Limited(Math.max(1, (long) Math.ceil(Math.max(pushWait, eventWait) * 1000)),
                        pushWait >= eventWait ? "more than " + pushesPerSecond + " pushes per second"
                                : "more than " + eventsPerSecond + " events per second");
            }
            return cur;
        });
        if (buckets.size() > SWEEP_ABOVE) {
            buckets.entrySet().removeIf(e -> e.getValue().idle(nowNanos, pushesPerSecond, eventsPerSecond));
        }
        return out[0];
    }

    int tracked() {
        return buckets.size();
    }

    private static double capacity(double perSecond) {
        return Math.max(1, perSecond);
    }

    private static final class Buckets {
        double pushes;
        double events;
        long at;

        Buckets(double pushes, double events, long at) {
            this.pushes = pushes;
            this.events = events;
            this.at = at;
        }

        void refill(long now, double pushRate, double eventRate) {
            double seconds = Math.max(0, now - at) / 1e9;
            pushes = Math.min(capacity(pushRate), pushes + seconds * pushRate);
            events = Math.min(capacity(eventRate), events + seconds * eventRate);
            at = Math.max(at, now);
        }

        boolean idle(long now, double pushRate, double eventRate) {
            double seconds = Math.max(0, now - at) / 1e9;
            return (pushRate <= 0 || pushes + seconds * pushRate >= capacity(pushRate))
                    && (eventRate <= 0 || events + seconds * eventRate >= capacity(eventRate));
        }
    }
}
