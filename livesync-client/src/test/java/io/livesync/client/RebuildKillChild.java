package io.livesync.client;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * The child JVM of {@link KilledRebuildFinishesOnNextOpenTest}: opens {@code file} with
 * {@link EvolvingSchemas#columnChanged()}, which rebuilds its state, and at the chosen point of the rebuild prints
 * {@code AT <point>} and blocks for good, so that the parent kills it exactly there (no sleeps, no timing).
 * Points: {@code started}, {@code replayed:N} (after N events), {@code committing} (replayed, not committed),
 * {@code finished} (committed).
 */
public final class RebuildKillChild {

    private RebuildKillChild() {}

    public static void main(String[] args) throws InterruptedException {
        Path file = Path.of(args[0]);
        String point = args[1];
        CountDownLatch never = new CountDownLatch(1);
        Store.builder().storeId("evolve").clientId("a").schema(EvolvingSchemas.columnChanged())
                .storage(Storage.file(file)).rebuildListener(p -> {
                    boolean here = switch (p) {
                        case RebuildProgress.Started s -> point.equals("started");
                        case RebuildProgress.Replayed r -> point.equals("replayed:" + r.replayed());
                        case RebuildProgress.Committing c -> point.equals("committing");
                        case RebuildProgress.Finished f -> point.equals("finished");
                    };
                    if (here) {
                        System.out.println("AT " + point);
                        System.out.flush();
                        try {
                            never.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                }).build();
        System.out.println("OPENED without reaching " + point);
        System.out.flush();
        never.await();
    }
}
