package io.livesync.server;

import java.util.concurrent.TimeUnit;

/** An open client socket of either protocol, as the server sees it: reset, drop and shutdown reach every one. */
interface ServerConnection {

    String storeId();

    /** {@code 0.3} or {@code 0.4}: the LiveStore protocol the socket speaks. */
    String protocol();

    /** The client's address and port. */
    String remote();

    /** Closes the socket now (frames still queued are dropped). */
    void close(int status, String reason);

    /** Closes the socket once every frame queued before this call (acks, echoes) is written. */
    void closeAfterFlush(int status, String reason);

    /** Waits until the socket's writer has stopped; false if it has not within the time. */
    boolean awaitWriterStopped(long timeout, TimeUnit unit) throws InterruptedException;
}
