package io.livesync.server;

import io.livesync.core.LogLevel;
import io.livesync.hub.StoreHub;
import io.livesync.core.wire.WireCodec;
import io.livesync.core.wire.WireErrorCode;

/** The push pipeline without faults: validator, arbitration, storage, publication, metrics and log. */
final class StoringPushPipeline implements PushPipeline {

    private final StoreHub hub;
    private final Metrics metrics;
    private final ServerLog log;
    private final IdentityLimits limits;
    private final Audit audit;

    StoringPushPipeline(StoreHub hub, Metrics metrics, ServerLog log, IdentityLimits limits, Audit audit) {
        this.hub = hub;
        this.metrics = metrics;
        this.log = log;
        this.limits = limits;
        this.audit = audit;
    }

    @Override
    public Reply push(Request r) {
        boolean chainBroken = r.chain() != null && r.chain().refuses(r.batch(), r.chainsOnPrevious());
        if (!chainBroken && limits.acquire(r.subject(), r.batch().size(), System.nanoTime())
                instanceof IdentityLimits.Decision.Limited limited) {
            metrics.pushRejected("rate-limited");
            metrics.countRateLimited(r.storeId());
            audit.refused(WireErrorCode.RATE_LIMITED, r.subject(), "push", r.storeId(), limited.reason(), r.remote());
            String message = "too many pushes from this identity (" + limited.reason() + "); retry in "
                    + limited.retryAfterMillis() + " ms";
            com.fasterxml.jackson.databind.node.ObjectNode cause = com.fasterxml.jackson.databind.node.JsonNodeFactory
                    .instance.objectNode().put("name", "LivesyncError").put("code", WireErrorCode.RATE_LIMITED.wireName())
                    .put("message", message).put("retryAfterMillis", limited.retryAfterMillis());
            return new Reply.Refused(new io.livesync.core.wire.WireFrames.UnknownError(cause, message), "rate-limited");
        }
        StoreHub.PushResult result;
        try {
            result = hub.push(r.storeId(), r.batch(), r.backendId(), r.subject(),
                    r.withholdEcho() ? r.connection() : null, r.chain(), r.chainsOnPrevious());
        } catch (RuntimeException e) {
            metrics.pushRejected("storage-error");
            log.write(LogLevel.ERROR, "push-failed", "store", r.storeId(), "remote", r.remote(), "protocol",
                    r.transport().logName, "error", e.toString());
            return new Reply.Refused(WireCodec.typedError(WireErrorCode.STORAGE_ERROR,
                    "the push was not stored: " + e.getMessage()), "storage-error");
        }
        return switch (result) {
            case StoreHub.PushResult.Accepted accepted -> {
                metrics.pushesAccepted.increment();
                metrics.eventsAccepted.add(r.batch().size());
                log.write(LogLevel.INFO, "push-accepted", "store", r.storeId(), "remote", r.remote(), "events",
                        r.batch().size(), "head", accepted.newHead(), "protocol", r.transport().logName);
                yield new Reply.Accepted(accepted.newHead());
            }
            case StoreHub.PushResult.Rejected rejected -> {
                metrics.pushRejected(rejected.reason());
                log.write(LogLevel.INFO, "push-rejected", "store", r.storeId(), "remote", r.remote(), "reason",
                        rejected.reason(), "protocol", r.transport().logName, "error",
                        WireCodec.error(rejected.error()).toString());
                yield new Reply.Refused(rejected.error(), rejected.reason());
            }
        };
    }
}
