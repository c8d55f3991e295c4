package io.livesync.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Guards the order of the leader driver: the new state is published before the commit completes, so a caller that
 * reads {@code syncStatus()} right after {@code commit()} returns always sees its own events (CI once caught the
 * status one commit behind).
 */
class SyncStatusIsNeverBehindAReturnedCommitTest {

    @Test
    void statusAfterEachCommitIncludesIt() {
        try (Store store = Store.builder().storeId("status").clientId("a").schema(TodoSchema.schema()).build()) {
            for (int i = 1; i <= 300; i++) {
                store.commit(List.of(TodoSchema.created("t" + i, "x")));
                SyncStatus status = store.syncStatus();
                assertThat(status.localHead().global()).as("after commit " + i).isEqualTo(i);
                assertThat(status.pendingToPush()).as("after commit " + i).isEqualTo(i);
            }
        }
    }
}
