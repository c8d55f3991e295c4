package io.livesync.core;

import java.util.concurrent.ThreadFactory;

/**
 * The one way livesync's shells make threads: every thread is named ({@code livesync-...}) and an exception that
 * escapes it is reported on one line of stderr instead of vanishing. The pure logic of this module never uses it.
 */
public final class Threads {

    private Threads() {}

    /** The default handler: one line naming the thread and the exception. */
    public static final Thread.UncaughtExceptionHandler REPORT = (t, e) ->
            System.err.println("livesync: thread " + t.getName() + " died: " + e);

    /** A factory of virtual threads named {@code prefix-0}, {@code prefix-1}, ... */
    public static ThreadFactory virtual(String prefix) {
        return Thread.ofVirtual().name(prefix + "-", 0).uncaughtExceptionHandler(REPORT).factory();
    }

    /**
     * An executor that runs each task on a new virtual thread named {@code prefix-N}. For tasks that must run at the
     * same time: {@code CompletableFuture.supplyAsync} without an executor uses the common pool, whose parallelism
     * is the core count minus one, so on JDK 25 on a 2-core machine it runs such tasks one after the other (JDK 17
     * gave each its own thread when the parallelism was below 2).
     */
    public static java.util.concurrent.Executor virtualPerTask(String prefix) {
        ThreadFactory factory = virtual(prefix);
        return task -> factory.newThread(task).start();
    }

    /** A factory of platform daemon threads named {@code name}. */
    public static ThreadFactory platformDaemon(String name) {
        return Thread.ofPlatform().daemon().name(name).uncaughtExceptionHandler(REPORT).factory();
    }

    /** Starts a virtual thread named {@code name} running {@code task}. */
    public static Thread startVirtual(String name, Runnable task) {
        return Thread.ofVirtual().name(name).uncaughtExceptionHandler(REPORT).start(task);
    }

    /** An unstarted virtual thread named {@code name} with its own handler. */
    public static Thread unstartedVirtual(String name, Runnable task, Thread.UncaughtExceptionHandler handler) {
        return Thread.ofVirtual().name(name).uncaughtExceptionHandler(handler).unstarted(task);
    }
}
