package io.livesync.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.http.HttpClient;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #12 item 2: the SQLite server acked pushes committed with {@code synchronous=NORMAL}, which an OS crash or power
 * loss can lose. The default is now {@code synchronous=FULL} on the writer connection (the WAL is fsynced before the
 * ack); {@code --durability normal} is an explicit, validated opt-out.
 */
class SqliteServerAcksOnlyDurableCommitsTest {

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Test
    void theDefaultServerFsyncsBeforeItAcks(@TempDir Path dir) throws Exception {
        try (SyncServer server = ServerFixture.sqlite(dir)) {
            assertThat(server.config().durability()).isEqualTo(Durability.FULL);
            assertThat(((SqliteEventStore) server.eventStore()).synchronous()).as("PRAGMA synchronous: 2 = FULL")
                    .isEqualTo(2);
            assertThat(RawClient.httpPush(http, server, "d", "secret", RawClient.batch(1, 3, "x")).statusCode())
                    .isEqualTo(200);
        }
    }

    @Test
    void durabilityNormalIsAnExplicitOptOut(@TempDir Path dir) throws Exception {
        try (SyncServer server = SyncServer.start(ServerConfig.builder().port(0).dataDir(dir)
                .tokens(Map.of("*", "secret")).durability(Durability.parse("normal"))
                .logFile(dir.resolve("server.log")).build())) {
            assertThat(((SqliteEventStore) server.eventStore()).synchronous()).as("1 = NORMAL").isEqualTo(1);
            assertThat(RawClient.httpPush(http, server, "d", "secret", RawClient.batch(1, 3, "x")).statusCode())
                    .isEqualTo(200);
        }
    }

    @Test
    void badDurabilityValuesFailFast() {
        assertThatThrownBy(() -> Durability.parse("fast")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("full or normal").hasMessageContaining("fast");
        assertThatThrownBy(() -> ServerConfig.builder().tokens(Map.of("*", "t"))
                .postgres("jdbc:postgresql://127.0.0.1:5432/test", "s").durability(Durability.NORMAL).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("SQLite store only");
    }
}
