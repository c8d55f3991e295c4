package io.livesync.server;

import io.livesync.hub.PushChain;
import io.livesync.hub.PushValidator;
import io.livesync.hub.StoreHub;
import io.livesync.core.Event;
import io.livesync.core.wire.WireFrames.WireError;
import java.util.List;
import java.util.Objects;

/**
 * The one push path of the server (issue #13): every endpoint (0.4 WebSocket, 0.3 WebSocket, HTTP) parses and
 * authenticates its request in its own way, hands it here, and only encodes the {@link Reply}. The stages are the
 * shutting-down gate and the latency metric ({@link SyncServer#push}), fault injection when it is on
 * ({@link FaultInjectingPushPipeline}, a decorator), then {@link StoringPushPipeline}: the push validator, arbitration,
 * storage and publication ({@link StoreHub#push}), metrics and the log, and the conversion of a storage exception into
 * the retryable {@code storage-error}.
 */
interface PushPipeline {

    Reply push(Request request);

    /** The endpoint a push came through: what the log says, and whether faults may be injected into it. */
    enum Transport {
        WS_04("0.4"),
        WS_03("0.3"),
        HTTP("http");

        final String logName;

        Transport(String logName) {
            this.logName = logName;
        }
    }

    /**
     * One push.
     *
     * @param subject who pushes (see {@link PushValidator.Pusher#subject()})
     * @param connection the pushing socket (null for HTTP): the blackhole fault withholds the echo from it
     * @param withholdEcho whether {@code connection} gets no live copy of this batch (the blackhole fault)
     * @param chain the pushing connection's {@link PushChain} (null for HTTP)
     * @param chainsOnPrevious whether this is a livesync client's pipelined push (see {@link PushChain})
     */
    record Request(Transport transport, String storeId, List<Event> batch, String backendId, String subject,
            String remote, Object connection, boolean withholdEcho, PushChain chain, boolean chainsOnPrevious) {
        public Request {
            Objects.requireNonNull(transport, "transport");
            Objects.requireNonNull(storeId, "storeId");
            Objects.requireNonNull(batch, "batch");
            Objects.requireNonNull(subject, "subject");
        }

        Request(Transport transport, String storeId, List<Event> batch, String backendId, String subject,
                String remote, Object connection) {
            this(transport, storeId, batch, backendId, subject, remote, connection, false, null, false);
        }

        Request(Transport transport, String storeId, List<Event> batch, String backendId, String subject,
                String remote, Object connection, PushChain chain, boolean chainsOnPrevious) {
            this(transport, storeId, batch, backendId, subject, remote, connection, false, chain, chainsOnPrevious);
        }

        Request withholdingEcho() {
            return new Request(transport, storeId, batch, backendId, subject, remote, connection, true, chain,
                    chainsOnPrevious);
        }
    }

    /** What became of a push; the endpoint encodes it and does nothing else. */
    sealed interface Reply {
        /** Stored and published; acknowledge. */
        record Accepted(long newHead) implements Reply {}

        /**
         * Not stored (or, for the shutting-down gate, not even tried): answer {@code error}.
         *
         * @param reason the closed label of {@code livesync_pushes_rejected_total} and the log
         */
        record Refused(WireError error, String reason) implements Reply {}

        /** An injected fault took the answer away (only with fault injection on). */
        record Withheld(Fault fault) implements Reply {}
    }

    /** The faults that change what the pusher is answered. */
    sealed interface Fault {
        /** Close the pusher's socket before anything was stored (a disconnect in the middle of a push). */
        record Disconnect() implements Fault {}

        /** F2 lost-ack-close: stored and published; no ack; close the pusher's socket once the echo is out. */
        record LostAck(long newHead) implements Fault {}

        /** F1 error-after-store: stored and published; answer a retryable error instead of the ack. */
        record ErrorAfterStore(long newHead) implements Fault {}

        /** F3 blackhole: stored and published to everyone but the pusher; no ack. */
        record Blackhole(long newHead) implements Fault {}
    }
}
