package io.livesync.core.leader;

import io.livesync.core.Event;
import io.livesync.core.PageInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Coalescing of upstream pages that are already waiting: consecutive pages of one pull become one page, so a burst of
 * upstream events costs one merge (one rebase of the local backlog, one transaction), not one per page.
 *
 * <p>Why this is the same as stepping the pages one by one: pages of one pull are consecutive parts of one stream, so
 * their events, concatenated, chain exactly when each page chains onto the one before; the leader's state after the
 * merged page is that after the last page (a rebase onto {@code U1 + U2} equals a rebase onto {@code U1} then onto
 * {@code U2}, as the rollback == replay property and the merge rules give). Caught-up is sticky within a pull, so the
 * merged page is {@link PageInfo.NoMore} if any of its parts is. Pages of different pulls, or announcing different
 * backend ids, are never merged (the leader must see the change of pull or backend on its own page).
 */
public final class PullPages {

    private PullPages() {}

    /** Whether {@code next} may be merged into a page made of {@code first}'s pull and backend id. */
    public static boolean canMerge(LeaderInput.PullPage first, LeaderInput.PullPage next) {
        return first.pullId() == next.pullId() && Objects.equals(first.backendId(), next.backendId());
    }

    /** The pages as one page; they must be non-empty and mergeable with the first ({@link #canMerge}). */
    public static LeaderInput.PullPage merge(List<LeaderInput.PullPage> pages) {
        if (pages.isEmpty()) {
            throw new IllegalArgumentException("no pages to merge");
        }
        LeaderInput.PullPage first = pages.getFirst();
        if (pages.size() == 1) {
            return first;
        }
        List<Event> events = new ArrayList<>();
        boolean caughtUp = false;
        for (LeaderInput.PullPage page : pages) {
            if (!canMerge(first, page)) {
                throw new IllegalArgumentException("pages of pull " + page.pullId() + " (backend " + page.backendId()
                        + ") cannot merge into pull " + first.pullId() + " (backend " + first.backendId() + ")");
            }
            events.addAll(page.events());
            caughtUp |= page.pageInfo() instanceof PageInfo.NoMore;
        }
        PageInfo info = caughtUp ? PageInfo.NO_MORE : pages.getLast().pageInfo();
        return new LeaderInput.PullPage(first.pullId(), events, info, first.backendId());
    }
}
