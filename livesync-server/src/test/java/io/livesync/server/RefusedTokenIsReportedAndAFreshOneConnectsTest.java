package io.livesync.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.livesync.client.JsonLog;
import io.livesync.client.Store;
import io.livesync.client.TodoSchema;
import io.livesync.client.WebSocketSyncBackend;
import io.livesync.core.leader.PushResumePolicy;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #16, the client: a token the server refuses at the upgrade (expired, wrong) is reported, in the log and in
 * {@code syncStatus().connectionProblem()}, never silently retried; a token supplier hands out a fresh one at the
 * next connect and syncing resumes.
 */
class RefusedTokenIsReportedAndAFreshOneConnectsTest {

    @Test
    void aRefusedTokenIsReportedAndTheNextConnectUsesTheSuppliersFreshToken(@TempDir Path dir) {
        AtomicReference<String> token = new AtomicReference<>("expired-token");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        try (SyncServer server = ServerFixture.sqlite(dir);
                Store a = Store.builder().storeId("tok").clientId("a").schema(TodoSchema.schema())
                        .backend(WebSocketSyncBackend.builder(server.wsUri("tok"), "tok")
                                .authTokenSupplier(token::get).pingIntervalMillis(200).reconnectBackoff(20, 100)
                                .build())
                        .pushResumePolicy(PushResumePolicy.SUPERVISED).log(JsonLog.toStream(log, true)).build()) {
            a.commit(List.of(TodoSchema.created("t1", "while refused")));
            ServerFixture.await("the refusal is reported", () -> a.syncStatus().connectionProblem() != null,
                    () -> a.syncStatus().toString());
            assertThat(a.syncStatus().connectionProblem()).contains("refused the auth token").contains("401");
            assertThat(log.toString(StandardCharsets.UTF_8)).contains("\"connect-failed\"")
                    .doesNotContain("expired-token"); // the token itself is never logged
            token.set("secret"); // the app refreshes its token
            EndToEndSyncTest.awaitConverged(server, "tok", 1, a);
            assertThat(a.syncStatus().connectionProblem()).isNull();
        }
    }
}
