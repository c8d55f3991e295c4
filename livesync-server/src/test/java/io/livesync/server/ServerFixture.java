package io.livesync.server;

import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Helpers for server tests: bounded waits. */
final class ServerFixture {

    static final Duration WAIT = Duration.ofSeconds(30);

    private ServerFixture() {}

    static SyncServer sqlite(Path dir) {
        return SyncServer.start(ServerConfig.builder().port(0).dataDir(dir).tokens(java.util.Map.of("*", "secret"))
                .logFile(dir.resolve("server.log")).build());
    }

    static void await(String what, BooleanSupplier condition, Supplier<String> diagnosis) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for: " + what + "\n" + diagnosis.get());
            }
            try {
                Thread.sleep(5); // polling interval of a bounded wait
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    static void await(String what, BooleanSupplier condition) {
        await(what, condition, () -> "");
    }
}
