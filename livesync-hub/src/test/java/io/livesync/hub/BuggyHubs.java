package io.livesync.hub;

/**
 * Hubs that re-introduce, one each, the pull-ordering bugs {@link StoreHub#register} fixes: test-scoped variants of the
 * shipped hub for proving that the deterministic simulator (and {@link StoreHubPullInterleavingsTest}) find them.
 * Never shipped: this class lives in the hub's test sources and reaches other modules only through its test-jar.
 */
public final class BuggyHubs {

    private BuggyHubs() {}

    /**
     * (d) A new pull registers and takes the STORED head as the end of its catch-up without first publishing, to the
     * pulls already live, what other instances appended since this instance last published. When the announcement of
     * those events arrives, publication hands them to the new pull again: duplicates (the hub's last-resort guard
     * skips them and logs {@code publish-duplicate-skipped} at ERROR).
     */
    public static StoreHub registersBeforeCatchingUpToTheStoredHead(StoreHub.Builder builder) {
        return new StoreHub(builder) {
            @Override
            boolean register(Pull pull) {
                StoreState st = pull.state;
                st.lock.lock();
                try {
                    if (pull.live) {
                        addLive(st, pull.sub);
                    }
                    pull.upTo = store().meta(pull.storeId).head();
                } finally {
                    st.lock.unlock();
                }
                return true;
            }
        };
    }

    /**
     * (e) A pull reads the head its catch-up ends at, and registers its live subscription in a later step: a batch
     * published in between is neither in the catch-up nor delivered live (a gap).
     */
    public static StoreHub registersAfterReadingTheHead(StoreHub.Builder builder) {
        return new StoreHub(builder) {
            @Override
            boolean register(Pull pull) {
                StoreState st = pull.state;
                st.lock.lock();
                try {
                    if (pull.upTo < 0) { // first step: read the head only
                        publishLocked(pull.storeId, st, store().meta(pull.storeId).head(), null, "subscribe");
                        pull.upTo = st.publishedHead;
                        return false;
                    }
                    if (pull.live) {
                        addLive(st, pull.sub);
                    }
                    return true;
                } finally {
                    st.lock.unlock();
                }
            }
        };
    }

    /**
     * (#14) A hub that ignores the mark of a pipelined push ({@code chainsOnPrevious}) and applies the parent rule
     * only: when a push is refused and another client's events end exactly where it ended, the push after it is
     * stored on top of the foreign events while the refused one's events are missing.
     */
    public static StoreHub ignoresPushChains(StoreHub.Builder builder) {
        return new StoreHub(builder) {
            @Override
            public PushResult push(String storeId, java.util.List<io.livesync.core.Event> batch, String backendId,
                    String subject, Object withholdFrom, PushChain chain, boolean chainsOnPrevious) {
                return super.push(storeId, batch, backendId, subject, withholdFrom, chain, false);
            }
        };
    }
}
