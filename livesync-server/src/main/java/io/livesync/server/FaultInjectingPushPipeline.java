package io.livesync.server;

import io.livesync.core.LogLevel;
import io.livesync.hub.StoreHub;
/**
 * Fault injection as a decorator of the push pipeline: installed only when faults are on ({@link SyncServer#faults}),
 * so the normal path never consults {@link PushFaults}. Faults apply to WebSocket pushes (both protocols); HTTP
 * pushes pass through untouched.
 */
final class FaultInjectingPushPipeline implements PushPipeline {

    private final PushPipeline inner;
    private final PushFaults faults;
    private final StoreHub hub;
    private final Metrics metrics;
    private final ServerLog log;

    FaultInjectingPushPipeline(PushPipeline inner, PushFaults faults, StoreHub hub, Metrics metrics, ServerLog log) {
        this.inner = inner;
        this.faults = faults;
        this.hub = hub;
        this.metrics = metrics;
        this.log = log;
    }

    @Override
    public Reply push(Request r) {
        if (r.transport() == Transport.HTTP) {
            return inner.push(r);
        }
        PushFaults.Decision decision = faults.decide(r.storeId(), r.batch(), hub.head(r.storeId()));
        if (decision.dropBeforeStoring()) {
            log.write(LogLevel.WARN, "fault-injected", "store", r.storeId(), "fault", "disconnect");
            return new Reply.Withheld(new Fault.Disconnect());
        }
        if (decision.failBeforeStoring() != null) {
            log.write(LogLevel.WARN, "fault-injected", "store", r.storeId(), "fault", "fail-before-storing");
            metrics.pushRejected("injected-fault");
            return new Reply.Refused(decision.failBeforeStoring(), "injected-fault");
        }
        PushFaults.AfterAccept after = decision.afterAccept();
        Reply reply = inner.push(after == PushFaults.AfterAccept.BLACKHOLE ? r.withholdingEcho() : r);
        if (!(reply instanceof Reply.Accepted accepted)) {
            return reply;
        }
        long head = accepted.newHead();
        Fault fault = switch (after) {
            case ACK -> null;
            case DROP_CONNECTION -> new Fault.LostAck(head);
            case ERROR_AFTER_STORE -> new Fault.ErrorAfterStore(head);
            case BLACKHOLE -> new Fault.Blackhole(head);
        };
        if (fault == null) {
            return reply;
        }
        log.write(LogLevel.WARN, "fault-injected", "store", r.storeId(), "fault", switch (fault) {
            case Fault.Disconnect d -> "disconnect";
            case Fault.LostAck l -> "lost-ack-close";
            case Fault.ErrorAfterStore e -> "error-after-store";
            case Fault.Blackhole b -> "blackhole";
        }, "head", head);
        return new Reply.Withheld(fault);
    }
}
