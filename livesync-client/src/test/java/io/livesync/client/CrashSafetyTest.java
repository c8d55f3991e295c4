package io.livesync.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.livesync.core.Event;
import io.livesync.core.Seeds;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A child JVM commits in a loop (with rebases forced by a peer and disconnects) and is killed with SIGKILL at a
 * random point. Reopening must always give a consistent file: a gap-free, chained log that holds every commit the
 * child reported, and a state equal to the replay of that log.
 */
class CrashSafetyTest {

    private static final int KILLS = 4;

    @Test
    void aKilledWriterLeavesAConsistentFile(@TempDir Path dir) throws Exception {
        long seed = Seeds.seed("crashSafety");
        SplittableRandom random = new SplittableRandom(seed);
        for (int kill = 0; kill < KILLS; kill++) {
            Path file = dir.resolve("crash-" + kill + ".db");
            long childSeed = random.nextLong();
            long killAfter = 50 + random.nextInt(600);
            long reported = runAndKill(file, childSeed, killAfter);
            String context = "seed=" + seed + " kill=" + kill + " childSeed=" + childSeed + " killAfter=" + killAfter;
            try (Store reopened = Store.builder().storeId("crash").clientId("child").schema(TodoSchema.schema())
                    .storage(Storage.file(file)).build()) {
                List<Event> log = reopened.eventLog();
                assertChained(log, context);
                long mine = log.stream().filter(e -> e.clientId().equals("child")).count();
                assertThat(mine).as("every reported commit survived: " + context).isGreaterThanOrEqualTo(reported);
                assertThat(reopened.checkStateMatchesReplay()).as(context).isNull();
            }
        }
    }

    private static long runAndKill(Path file, long childSeed, long killAfter) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), CrashChild.class.getName(), file.toString(),
                Long.toString(childSeed))
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        long reported = 0;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                if (line.startsWith("committed ")) {
                    reported = Long.parseLong(line.substring("committed ".length()));
                    if (reported >= killAfter) {
                        break;
                    }
                }
            }
            child.destroyForcibly(); // SIGKILL: no shutdown hooks, no close()
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            child.destroyForcibly();
        }
        assertThat(reported).as("the child must have committed before it was killed").isPositive();
        return reported;
    }

    /** Synced events are gap-free from e1; each client-only event's parent is the row before it. */
    static void assertChained(List<Event> log, String context) {
        long lastGlobal = 0;
        Event previous = null;
        for (Event e : log) {
            if (e.seq().isClientPosition()) {
                assertThat(previous).as("client-only first event: " + context).isNotNull();
                assertThat(e.parent().samePosition(previous.seq())).as(e + " follows " + previous + ": " + context)
                        .isTrue();
            } else {
                assertThat(e.seq().global()).as("gap before " + e + ": " + context).isEqualTo(lastGlobal + 1);
                assertThat(e.parent().global()).as("parent of " + e + ": " + context).isEqualTo(lastGlobal);
                lastGlobal = e.seq().global();
            }
            previous = e;
        }
    }
}
