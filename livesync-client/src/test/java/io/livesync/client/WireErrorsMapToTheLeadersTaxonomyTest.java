package io.livesync.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.livesync.core.backend.SyncError;
import io.livesync.core.wire.WireFrames;
import org.junit.jupiter.api.Test;

/** The client reads livesync's typed wire errors into what the leader acts on. */
class WireErrorsMapToTheLeadersTaxonomyTest {

    private static SyncError map(String code, Long extra, String extraName) {
        var cause = JsonNodeFactory.instance.objectNode().put("name", "LivesyncError").put("code", code)
                .put("message", "m");
        if (extra != null) {
            cause.put(extraName, extra);
        }
        return io.livesync.core.wire.WireErrors.toSyncError(new WireFrames.UnknownError(cause, null));
    }

    @Test
    void eachCodeMapsToItsKind() {
        assertThat(map("rate-limited", 2500L, "retryAfterMillis")).isEqualTo(new SyncError.RateLimited(2500, "m"));
        assertThat(map("event-refused", 7L, "seqNum")).isEqualTo(new SyncError.EventRefused(7, "m"));
        assertThat(map("forbidden", null, null)).isEqualTo(new SyncError.Refused("forbidden", "m"));
        assertThat(map("frame-too-large", null, null)).isInstanceOf(SyncError.Refused.class);
        assertThat(map("storage-error", null, null)).isInstanceOf(SyncError.Transient.class);
        assertThat(map("something-new", null, null)).as("unknown codes are retried").isInstanceOf(
                SyncError.Transient.class);
    }
}
