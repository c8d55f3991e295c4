package io.livesync.client;

import io.livesync.core.LogLevel;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Log lines of a state rebuild: {@code schema-rebuild-start} (reason, events), {@code schema-rebuild-progress}
 * (DEBUG, every 1,000 events), {@code schema-rebuild-commit} and {@code schema-rebuild-done} (INFO).
 */
final class RebuildLog {

    private RebuildLog() {}

    /** A progress consumer that writes the log line of each step and then calls {@code listener}. */
    static Consumer<RebuildProgress> reporter(JsonLog log, String clientId, String storeId,
            Consumer<RebuildProgress> listener) {
        return p -> {
            switch (p) {
                case RebuildProgress.Started s -> log.write(LogLevel.INFO, clientId, storeId, "schema-rebuild-start",
                        Map.of("reason", s.reason(), "events", s.totalEvents()));
                case RebuildProgress.Replayed r -> log.write(LogLevel.DEBUG, clientId, storeId,
                        "schema-rebuild-progress", Map.of("replayed", r.replayed(), "events", r.totalEvents()));
                case RebuildProgress.Committing c -> log.write(LogLevel.INFO, clientId, storeId, "schema-rebuild-commit",
                        Map.of("events", c.totalEvents()));
                case RebuildProgress.Finished f -> log.write(LogLevel.INFO, clientId, storeId, "schema-rebuild-done",
                        Map.of("events", f.totalEvents()));
            }
            listener.accept(p);
        };
    }
}
