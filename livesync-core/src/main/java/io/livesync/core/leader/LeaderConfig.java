package io.livesync.core.leader;

import io.livesync.core.Schema;
import java.util.Objects;

/**
 * Immutable configuration of a leader sync processor. Built with {@link #builder(Schema)}; every setter fails fast
 * with a message naming the bad value (nothing is clamped silently).
 */
public final class LeaderConfig {

    /** The default of {@link #pushWindow()}. */
    public static final int DEFAULT_PUSH_WINDOW = 8;

    private final Schema schema;
    private final int backendPushBatchSize;
    private final boolean livePull;
    private final PushResumePolicy pushResumePolicy;
    private final long backoffBaseMillis;
    private final long backoffCapMillis;
    private final long pushTimeoutMillis;
    private final long stallAfterMillis;
    private final long watchdogIntervalMillis;
    private final PushLimits pushLimits;
    private final BackendResetPolicy backendResetPolicy;
    private final RebaseDeferral rebaseDeferral;
    private final int pushWindow;

    /**
     * When a leader with many pending events receives upstream events that diverge from them, it may hold them back
     * instead of rebasing its whole backlog at once: while upstream streams in (another client pushing its backlog),
     * every rebase is outdated by the next burst and any push of ours is bound to fail, so rebasing once per burst
     * costs O(K) per burst for nothing. Only under {@link PushResumePolicy#SUPERVISED}. The held events are applied
     * (one rebase) as soon as one of these holds:
     * <ul>
     *   <li>they number at least {@code fraction} of the pending events (so a backlog of K is rebased about once per
     *       {@code fraction * K} upstream events, not once per page);</li>
     *   <li>no upstream page arrived for {@code quietMillis} (the other client is done; now our push can win);</li>
     *   <li>the first of them arrived {@code capMillis} ago (what the app sees never lags upstream by more);</li>
     *   <li>the connection is lost, or the backend is reset.</li>
     * </ul>
     * Fewer than {@code minPending} pending events are always rebased at once (a small rebase is cheap). While events
     * are held, nothing is pushed (the server has events this client has not applied, so any push would be refused).
     * Each deferral is logged ({@code rebase-deferred}) and counted ({@link LeaderStats#rebasesDeferred()}).
     *
     * <p>The trade: fewer rebases of a long backlog, against latency. While a peer keeps pushing, a deferring client
     * pushes at most once per {@code capMillis}; the simulator, which charges nothing for a rebase, converges more
     * slowly with deferral on (docs/benchmarks.md). Keep {@code capMillis} well below {@code stallAfterMillis}, or the
     * watchdog may read a deferral as a stall.
     */
    public record RebaseDeferral(boolean enabled, int minPending, double fraction, long quietMillis, long capMillis) {
        /** The default: pending backlogs of 200 or more wait for upstream to reach half the backlog, 100 ms of quiet or 2 s. */
        public static final RebaseDeferral DEFAULT = new RebaseDeferral(true, 200, 0.5, 100, 2000);
        /** Every diverging upstream page is applied at once (LiveStore's behaviour). */
        public static final RebaseDeferral OFF = new RebaseDeferral(false, 0, 0, 1, 1);

        public RebaseDeferral {
            if (enabled) {
                if (minPending < 1) {
                    throw new IllegalArgumentException("rebase deferral minPending must be >= 1, got " + minPending);
                }
                if (!(fraction > 0 && fraction <= 10)) {
                    throw new IllegalArgumentException("rebase deferral fraction must be in (0, 10], got " + fraction);
                }
                if (quietMillis < 1 || capMillis < quietMillis) {
                    throw new IllegalArgumentException("rebase deferral needs 1 <= quietMillis (" + quietMillis
                            + ") <= capMillis (" + capMillis + ")");
                }
            }
        }
    }

    private LeaderConfig(Builder b) {
        this.schema = b.schema;
        this.backendPushBatchSize = b.backendPushBatchSize;
        this.livePull = b.livePull;
        this.pushResumePolicy = b.pushResumePolicy;
        this.backoffBaseMillis = b.backoffBaseMillis;
        this.backoffCapMillis = b.backoffCapMillis;
        this.pushTimeoutMillis = b.pushTimeoutMillis;
        this.stallAfterMillis = b.stallAfterMillis;
        this.watchdogIntervalMillis = b.watchdogIntervalMillis;
        this.pushLimits = b.pushLimits;
        this.backendResetPolicy = b.backendResetPolicy;
        this.rebaseDeferral = b.rebaseDeferral;
        this.pushWindow = b.pushWindow;
    }

    public static Builder builder(Schema schema) {
        return new Builder(schema);
    }

    public Schema schema() {
        return schema;
    }

    /**
     * Most events per backend push (default 100, the most LiveStore's protocol allows per push; LiveStore HEAD's
     * own default is 50). Every push becomes one page, so one transaction, at every other client: 100 per push
     * converged 8-16% faster than 50 in {@code bench node-sync} (docs/benchmarks.md).
     */
    public int backendPushBatchSize() {
        return backendPushBatchSize;
    }

    /** Whether the pull stays open for live updates after catch-up (default true). */
    public boolean livePull() {
        return livePull;
    }

    public PushResumePolicy pushResumePolicy() {
        return pushResumePolicy;
    }

    /** First backoff delay; doubled per failed attempt of the same batch. */
    public long backoffBaseMillis() {
        return backoffBaseMillis;
    }

    /** Largest backoff delay. */
    public long backoffCapMillis() {
        return backoffCapMillis;
    }

    /** A push with no answer after this long fails as a timeout ({@code SUPERVISED} only). */
    public long pushTimeoutMillis() {
        return pushTimeoutMillis;
    }

    /** Pending events with no push progress for this long while connected trigger the watchdog. */
    public long stallAfterMillis() {
        return stallAfterMillis;
    }

    /** How often the watchdog looks. */
    public long watchdogIntervalMillis() {
        return watchdogIntervalMillis;
    }

    /**
     * What the backend accepts in one push (default {@link PushLimits#UNLIMITED}; a {@code Store} sets its backend's
     * limits). Batches are cut by bytes as well as by {@link #backendPushBatchSize()}.
     */
    public PushLimits pushLimits() {
        return pushLimits;
    }

    /** What happens when the server's backend id changes (default {@link BackendResetPolicy#REHOME_PENDING}). */
    public BackendResetPolicy backendResetPolicy() {
        return backendResetPolicy;
    }

    /** When diverging upstream may wait instead of rebasing the backlog at once ({@link RebaseDeferral}). */
    public RebaseDeferral rebaseDeferral() {
        return rebaseDeferral;
    }

    /**
     * Most pushes in flight at once (default {@value #DEFAULT_PUSH_WINDOW}; 1 = stop-and-wait, one push per round
     * trip). Only under {@link PushResumePolicy#SUPERVISED}, and only once the server said, in the acknowledgement of a push on the
     * current connection, that it enforces push chains: each push after the first of a window chains onto the one
     * before it and is marked so, and such a server stores a marked push only if the previous push on the same
     * connection was stored and ended at its parent. So a refused push fails every push after it (they are sent
     * again), and this client's events never land on the server out of order. Against any other server (LiveStore's
     * own, or a livesync server before 2026-12) one push is in flight at a time.
     */
    public int pushWindow() {
        return pushWindow;
    }

    public Builder toBuilder() {
        Builder b = new Builder(schema);
        b.backendPushBatchSize = backendPushBatchSize;
        b.livePull = livePull;
        b.pushResumePolicy = pushResumePolicy;
        b.backoffBaseMillis = backoffBaseMillis;
        b.backoffCapMillis = backoffCapMillis;
        b.pushTimeoutMillis = pushTimeoutMillis;
        b.stallAfterMillis = stallAfterMillis;
        b.watchdogIntervalMillis = watchdogIntervalMillis;
        b.pushLimits = pushLimits;
        b.backendResetPolicy = backendResetPolicy;
        b.rebaseDeferral = rebaseDeferral;
        b.pushWindow = pushWindow;
        return b;
    }

    @Override
    public String toString() {
        return "LeaderConfig{backendPushBatchSize=" + backendPushBatchSize + ", livePull=" + livePull + ", policy="
                + pushResumePolicy.cliName() + ", backoff=" + backoffBaseMillis + ".." + backoffCapMillis
                + "ms, pushTimeout=" + pushTimeoutMillis + "ms, stallAfter=" + stallAfterMillis + "ms, pushLimits="
                + pushLimits + ", rebaseDeferral=" + rebaseDeferral + ", pushWindow=" + pushWindow + "}";
    }

    /** Builder for {@link LeaderConfig}. */
    public static final class Builder {
        private final Schema schema;
        private int backendPushBatchSize = 100;
        private boolean livePull = true;
        private PushResumePolicy pushResumePolicy = PushResumePolicy.SUPERVISED;
        private long backoffBaseMillis = 1000;
        private long backoffCapMillis = 30_000;
        private long pushTimeoutMillis = 15_000;
        private long stallAfterMillis = 20_000;
        private long watchdogIntervalMillis = 5_000;
        private PushLimits pushLimits = PushLimits.UNLIMITED;
        private BackendResetPolicy backendResetPolicy = BackendResetPolicy.REHOME_PENDING;
        private RebaseDeferral rebaseDeferral = RebaseDeferral.DEFAULT;
        private int pushWindow = DEFAULT_PUSH_WINDOW;

        private Builder(Schema schema) {
            this.schema = Objects.requireNonNull(schema, "schema");
        }

        public Builder backendPushBatchSize(int size) {
            // Above LiveStore's 100 only for servers configured to take more (WireLimits.maxEventsPerPush): a push is
            // always cut to the backend's PushLimits as well, so a larger setting never exceeds what the server takes.
            require(size >= 1 && size <= 10_000, "backendPushBatchSize must be in [1, 10000] (the largest "
                    + "maxEventsPerPush a server accepts), got " + size);
            this.backendPushBatchSize = size;
            return this;
        }

        public Builder livePull(boolean live) {
            this.livePull = live;
            return this;
        }

        public Builder pushResumePolicy(PushResumePolicy policy) {
            this.pushResumePolicy = Objects.requireNonNull(policy, "pushResumePolicy");
            return this;
        }

        public Builder backoff(long baseMillis, long capMillis) {
            require(baseMillis >= 1, "backoff base must be >= 1 ms, got " + baseMillis);
            require(capMillis >= baseMillis, "backoff cap (" + capMillis + " ms) must be >= base (" + baseMillis + " ms)");
            this.backoffBaseMillis = baseMillis;
            this.backoffCapMillis = capMillis;
            return this;
        }

        public Builder pushTimeoutMillis(long millis) {
            require(millis >= 1, "pushTimeoutMillis must be >= 1, got " + millis);
            this.pushTimeoutMillis = millis;
            return this;
        }

        public Builder stallAfterMillis(long millis) {
            require(millis >= 1, "stallAfterMillis must be >= 1, got " + millis);
            this.stallAfterMillis = millis;
            return this;
        }

        public Builder watchdogIntervalMillis(long millis) {
            require(millis >= 1, "watchdogIntervalMillis must be >= 1, got " + millis);
            this.watchdogIntervalMillis = millis;
            return this;
        }

        public Builder pushLimits(PushLimits limits) {
            this.pushLimits = Objects.requireNonNull(limits, "pushLimits");
            return this;
        }

        public Builder backendResetPolicy(BackendResetPolicy policy) {
            this.backendResetPolicy = Objects.requireNonNull(policy, "backendResetPolicy");
            return this;
        }

        public Builder rebaseDeferral(RebaseDeferral deferral) {
            this.rebaseDeferral = Objects.requireNonNull(deferral, "rebaseDeferral");
            return this;
        }

        /** Most pushes in flight at once, in [1, 64] (see {@link LeaderConfig#pushWindow()}). */
        public Builder pushWindow(int window) {
            require(window >= 1 && window <= 64, "pushWindow must be in [1, 64], got " + window);
            this.pushWindow = window;
            return this;
        }

        public LeaderConfig build() {
            return new LeaderConfig(this);
        }

        private static void require(boolean ok, String message) {
            if (!ok) {
                throw new IllegalArgumentException(message);
            }
        }
    }
}
