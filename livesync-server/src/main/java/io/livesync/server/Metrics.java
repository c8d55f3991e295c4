package io.livesync.server;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * The server's counters and the push-latency histogram, rendered as Prometheus text at {@code GET /metrics}.
 * Small and dependency-free on purpose: a handful of lock-free counters.
 */
public final class Metrics {

    private static final double[] LATENCY_BUCKETS_MS = {1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 5000};

    final LongAdder pushesAccepted = new LongAdder();
    final LongAdder eventsAccepted = new LongAdder();
    final Map<String, LongAdder> pushesRejected = new ConcurrentHashMap<>();
    final Map<String, LongAdder> protocolErrors = new ConcurrentHashMap<>();
    final Map<String, LongAdder> pushRefusals = new ConcurrentHashMap<>();
    final Map<String, LongAdder> rateLimited = new ConcurrentHashMap<>();
    final LongAdder authFailures = new LongAdder();
    final LongAdder connectionsOpened = new LongAdder();
    final AtomicLong connectionsOpen = new AtomicLong();
    final AtomicLong liveSubscribers = new AtomicLong();
    final LongAdder shedConnections = new LongAdder();
    final Map<String, LongAdder> flagsRaised = new ConcurrentHashMap<>();
    final Map<String, AtomicLong> flagsActive = new ConcurrentHashMap<>();
    private final LongAdder[] latencyBuckets = new LongAdder[LATENCY_BUCKETS_MS.length + 1];
    private final LongAdder latencyCount = new LongAdder();
    private final LongAdder latencySumMicros = new LongAdder();
    private volatile LongSupplier eventsStored = () -> -1;

    public Metrics() {
        for (int i = 0; i < latencyBuckets.length; i++) {
            latencyBuckets[i] = new LongAdder();
        }
    }

    void eventsStored(LongSupplier supplier) {
        this.eventsStored = supplier;
    }

    void pushRejected(String reason) {
        pushesRejected.computeIfAbsent(reason, r -> new LongAdder()).increment();
    }

    /**
     * A push the validator refused (one refused event each), counted per store (store ids are {@code [A-Za-z0-9_-]}).
     * An event refused again (a client re-pushed it before it heard of the refusal, e.g. after a rebase) counts again.
     */
    /** The hub's counters, kept here. */
    io.livesync.hub.StoreHub.Counters hubCounters() {
        return new io.livesync.hub.StoreHub.Counters() {
            @Override
            public void liveSubscribers(int delta) {
                liveSubscribers.addAndGet(delta);
            }

            @Override
            public void pushRefused(String storeId) {
                Metrics.this.pushRefused(storeId);
            }
        };
    }

    void pushRefused(String storeId) {
        pushRefusals.computeIfAbsent(storeId, c -> new LongAdder()).increment();
    }

    /** A push answered rate-limited, counted per store (never per identity: no high-cardinality labels). */
    void countRateLimited(String storeId) {
        rateLimited.computeIfAbsent(storeId, c -> new LongAdder()).increment();
    }

    /** Pushes to {@code storeId} answered rate-limited. */
    public long rateLimited(String storeId) {
        LongAdder a = rateLimited.get(storeId);
        return a == null ? 0 : a.sum();
    }

    /** Pushes the push validator refused in {@code storeId}. */
    public long pushRefusals(String storeId) {
        LongAdder a = pushRefusals.get(storeId);
        return a == null ? 0 : a.sum();
    }

    void protocolError(io.livesync.core.wire.WireErrorCode code) {
        protocolError(code.wireName());
    }

    void protocolError(String code) {
        protocolErrors.computeIfAbsent(code, c -> new LongAdder()).increment();
    }

    void pushLatency(long nanos) {
        double ms = nanos / 1e6;
        int i = 0;
        while (i < LATENCY_BUCKETS_MS.length && ms > LATENCY_BUCKETS_MS[i]) {
            i++;
        }
        latencyBuckets[i].increment();
        latencyCount.increment();
        latencySumMicros.add(nanos / 1000);
    }

    void flagRaised(String kind) {
        flagsRaised.computeIfAbsent(kind, k -> new LongAdder()).increment();
        flagsActive.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
    }

    void flagCleared(String kind) {
        flagsActive.computeIfAbsent(kind, k -> new AtomicLong()).decrementAndGet();
    }

    /** Flags of {@code kind} raised since the start (docs/dashboard.md). */
    public long flagsRaised(String kind) {
        LongAdder a = flagsRaised.get(kind);
        return a == null ? 0 : a.sum();
    }

    public long pushesAccepted() {
        return pushesAccepted.sum();
    }

    public long rejected(String reason) {
        LongAdder a = pushesRejected.get(reason);
        return a == null ? 0 : a.sum();
    }

    public long protocolErrors(String code) {
        LongAdder a = protocolErrors.get(code);
        return a == null ? 0 : a.sum();
    }

    public long authFailures() {
        return authFailures.sum();
    }

    /** Prometheus text exposition format 0.0.4. */
    public String render() {
        StringBuilder sb = new StringBuilder();
        counter(sb, "livesync_pushes_accepted_total", "Pushes accepted", pushesAccepted.sum());
        counter(sb, "livesync_events_accepted_total", "Events accepted by pushes", eventsAccepted.sum());
        sb.append("# HELP livesync_pushes_rejected_total Pushes rejected, by reason\n");
        sb.append("# TYPE livesync_pushes_rejected_total counter\n");
        pushesRejected.forEach((reason, n) -> sb.append("livesync_pushes_rejected_total{reason=\"").append(reason)
                .append("\"} ").append(n.sum()).append('\n'));
        sb.append("# HELP livesync_push_refusals_total Pushes refused by the push validator (each names one event), by store\n");
        sb.append("# TYPE livesync_push_refusals_total counter\n");
        pushRefusals.forEach((store, n) -> sb.append("livesync_push_refusals_total{store=\"").append(store)
                .append("\"} ").append(n.sum()).append('\n'));
        sb.append("# HELP livesync_rate_limited_total Pushes answered rate-limited (per-identity limits), by store\n");
        sb.append("# TYPE livesync_rate_limited_total counter\n");
        rateLimited.forEach((store, n) -> sb.append("livesync_rate_limited_total{store=\"").append(store)
                .append("\"} ").append(n.sum()).append('\n'));
        sb.append("# HELP livesync_protocol_errors_total Malformed or refused inbound messages, by code\n");
        sb.append("# TYPE livesync_protocol_errors_total counter\n");
        protocolErrors.forEach((code, n) -> sb.append("livesync_protocol_errors_total{code=\"").append(code)
                .append("\"} ").append(n.sum()).append('\n'));
        counter(sb, "livesync_auth_failures_total", "Requests or upgrades refused for a wrong or missing token",
                authFailures.sum());
        gauge(sb, "livesync_events_stored", "Events stored (all stores)", eventsStored.getAsLong());
        gauge(sb, "livesync_live_subscribers", "Live pulls being served", liveSubscribers.get());
        gauge(sb, "livesync_connections_open", "Open WebSocket connections", connectionsOpen.get());
        counter(sb, "livesync_connections_opened_total", "WebSocket connections accepted", connectionsOpened.sum());
        counter(sb, "livesync_connections_shed_total", "Sockets closed to shed a slow or excess client",
                shedConnections.sum());
        sb.append("# HELP livesync_flags_raised_total Flags the server raised (docs/dashboard.md), by kind\n");
        sb.append("# TYPE livesync_flags_raised_total counter\n");
        flagsRaised.forEach((kind, n) -> sb.append("livesync_flags_raised_total{kind=\"").append(kind)
                .append("\"} ").append(n.sum()).append('\n'));
        sb.append("# HELP livesync_flags_active Flags raised and not cleared, by kind\n");
        sb.append("# TYPE livesync_flags_active gauge\n");
        flagsActive.forEach((kind, n) -> sb.append("livesync_flags_active{kind=\"").append(kind)
                .append("\"} ").append(n.get()).append('\n'));
        sb.append("# HELP livesync_push_latency_seconds Time from receiving a push to its ack\n");
        sb.append("# TYPE livesync_push_latency_seconds histogram\n");
        long cumulative = 0;
        for (int i = 0; i < LATENCY_BUCKETS_MS.length; i++) {
            cumulative += latencyBuckets[i].sum();
            sb.append("livesync_push_latency_seconds_bucket{le=\"").append(LATENCY_BUCKETS_MS[i] / 1000)
                    .append("\"} ").append(cumulative).append('\n');
        }
        cumulative += latencyBuckets[LATENCY_BUCKETS_MS.length].sum();
        sb.append("livesync_push_latency_seconds_bucket{le=\"+Inf\"} ").append(cumulative).append('\n');
        sb.append("livesync_push_latency_seconds_sum ").append(latencySumMicros.sum() / 1e6).append('\n');
        sb.append("livesync_push_latency_seconds_count ").append(latencyCount.sum()).append('\n');
        return sb.toString();
    }

    private static void counter(StringBuilder sb, String name, String help, long value) {
        sb.append("# HELP ").append(name).append(' ').append(help).append('\n');
        sb.append("# TYPE ").append(name).append(" counter\n").append(name).append(' ').append(value).append('\n');
    }

    private static void gauge(StringBuilder sb, String name, String help, long value) {
        sb.append("# HELP ").append(name).append(' ').append(help).append('\n');
        sb.append("# TYPE ").append(name).append(" gauge\n").append(name).append(' ').append(value).append('\n');
    }
}
