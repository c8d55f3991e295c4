package io.livesync.hub;

import io.livesync.core.Event;
import java.util.List;

/**
 * What one connection's last push became, so that a pipelined push is stored only on top of it.
 *
 * <p>A livesync client may send a push while the one before it is still in flight (a window of pushes, each chaining
 * onto the one before; LiveStore's clients never do). The parent rule alone does not make that safe: if push k is
 * refused because another client took its positions, and the other client's events happen to end exactly where k
 * ended, push k+1 would chain onto the server's head and be stored on top of foreign events while k's events are
 * missing: this client's events out of order, and duplicated once the client rebases. So the client marks every push
 * after the first of a window ({@code chainsOnPrevious}), and the hub stores a marked push only if the previous push
 * on the same connection was stored and ended exactly at the marked push's parent. Anything else refuses it as
 * {@code ServerAhead}, which fails the client's window (it re-sends from its last acknowledged event).
 *
 * <p>A connection's pushes must run one at a time, in arrival order (the server's per-connection push lane; the
 * simulator's ordered links); they may run on different threads one after the other.
 */
public final class PushChain {

    /** A chain for a new connection: nothing stored yet. */
    public PushChain() {
    }

    private static final long NOTHING_STORED = -1;

    /** Global position of the last event of the previous push on this connection if it was stored, else -1. */
    private volatile long lastStored = NOTHING_STORED;

    /**
     * Whether {@code StoreHub.push} will refuse this push as {@code chain-broken} without looking at the store (so a
     * server can skip what it would charge a push for, e.g. a rate limit: the push stores nothing).
     */
    public boolean refuses(List<Event> batch, boolean chainsOnPrevious) {
        return brokenLink(this, batch, chainsOnPrevious) != null;
    }

    /** Why a push may not be stored on {@code chain} (null: not on a connection), or null when it may be tried. */
    static String brokenLink(PushChain chain, List<Event> batch, boolean chainsOnPrevious) {
        if (!chainsOnPrevious || batch.isEmpty()) {
            return null;
        }
        if (chain == null) {
            return "it was not sent on a connection";
        }
        long parent = batch.getFirst().parent().global();
        long stored = chain.lastStored;
        if (stored == NOTHING_STORED) {
            return "the push before it on this connection was not stored";
        }
        if (parent != stored) {
            return "it chains onto e" + parent + " but the push before it on this connection ended at e" + stored;
        }
        return null;
    }

    /** Records what became of a push on this connection. */
    void recorded(List<Event> batch, StoreHub.PushResult result) {
        lastStored = result instanceof StoreHub.PushResult.Accepted && !batch.isEmpty()
                ? batch.getLast().seq().global() : NOTHING_STORED;
    }
}
