package io.livesync.client;

import io.livesync.core.leader.PushResumePolicy;
import io.livesync.core.session.SessionLogic;
import io.livesync.testkit.InMemorySyncBackend;
import io.livesync.testkit.InMemorySyncServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The child JVM of {@link CrashSafetyTest}: commits to a file store in a loop, forever, while an in-process peer and
 * disconnects force rebases, and prints {@code committed N} after every commit that returned (N = events committed so
 * far). The parent kills it with SIGKILL at a random point.
 */
public final class CrashChild {

    private CrashChild() {}

    public static void main(String[] args) {
        Path file = Path.of(args[0]);
        SplittableRandom random = new SplittableRandom(Long.parseLong(args[1]));
        InMemorySyncServer server = new InMemorySyncServer();
        InMemorySyncBackend backend = server.client("crash");
        Store peer = Store.builder().storeId("crash").clientId("peer").schema(TodoSchema.schema())
                .backend(server.client("crash")).pushResumePolicy(PushResumePolicy.SUPERVISED).build();
        Store store = Store.builder().storeId("crash").clientId("child").schema(TodoSchema.schema())
                .storage(io.livesync.client.Storage.file(file)).backend(backend)
                .leader(l -> l.backendPushBatchSize(3)).build();
        long committed = 0;
        List<String> ids = new ArrayList<>();
        for (int step = 0; ; step++) {
            int op = random.nextInt(10);
            if (op == 0) {
                backend.disconnect();
            } else if (op == 1) {
                backend.connect();
            } else if (op == 2) {
                peer.commit(List.of(TodoSchema.created("peer-" + step, "from the peer")));
            } else {
                List<SessionLogic.PartialEvent> batch = new ArrayList<>();
                int n = 1 + random.nextInt(8);
                for (int i = 0; i < n; i++) {
                    int kind = random.nextInt(6);
                    if (kind < 3 || ids.isEmpty()) {
                        String id = "c-" + step + "-" + i;
                        ids.add(id);
                        batch.add(TodoSchema.created(id, "todo " + id));
                    } else if (kind == 3) {
                        batch.add(TodoSchema.completed(ids.get(random.nextInt(ids.size()))));
                    } else if (kind == 4) {
                        batch.add(TodoSchema.deleted(ids.get(random.nextInt(ids.size()))));
                    } else {
                        batch.add(TodoSchema.filterSet("f" + random.nextInt(4)));
                    }
                }
                store.commit(batch);
                committed += n;
                System.out.println("committed " + committed);
                System.out.flush();
            }
        }
    }
}
