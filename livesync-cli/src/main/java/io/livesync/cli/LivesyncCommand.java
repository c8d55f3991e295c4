package io.livesync.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code livesync} command: the entry point of every subcommand. */
@Command(
        name = "livesync",
        mixinStandardHelpOptions = true,
        version = {"livesync 0.1.0-SNAPSHOT",
            "speaks LiveStore's WebSocket sync protocol 0.4 (at /, /sync and /sync/{storeId}; LiveStore 0.4.x clients) "
                    + "and 0.3 (at /websocket; LiveStore 0.3.x clients), and HTTP push/pull"},
        description = "Local-first, event-sourced sync engine for the JVM.",
        subcommands = {NodeSyncCommand.Run.class, ServerCommand.class, NodeSyncCommand.Repro.class,
            NodeSyncCommand.Diagnose.class, SimulateCommand.class, ConformanceCommand.class, BenchCommand.class,
            AdminCommand.class,
            CommandLine.HelpCommand.class})
public final class LivesyncCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(newCommandLine().execute(args));
    }

    /** A configured command line (also used by tests). */
    static CommandLine newCommandLine() {
        return new CommandLine(new LivesyncCommand()).setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler(LivesyncCommand::handleFailure)
                .setParameterExceptionHandler((e, args) -> {
                    CommandLine cmd = e.getCommandLine();
                    String path = cmd.getCommandSpec().qualifiedName();
                    cmd.getErr().println(path + ": " + e.getMessage());
                    cmd.getErr().println("(" + path + " --help lists the options)");
                    cmd.getErr().flush();
                    return 2;
                });
    }

    /** Environment variable that makes a failing command print its stack trace. */
    static final String DEBUG_ENV = "LIVESYNC_DEBUG";

    /**
     * Every failure of a command is one line on stderr, never a stack trace (unless {@value #DEBUG_ENV}=1): exit 2 for
     * what the user can fix (a bad value, a missing file or tool), 1 for anything else.
     */
    static int handleFailure(Exception e, CommandLine commandLine, CommandLine.ParseResult parseResult) {
        Throwable t = e;
        while ((t instanceof java.util.concurrent.ExecutionException || t instanceof java.util.concurrent.CompletionException
                || t instanceof java.lang.reflect.InvocationTargetException) && t.getCause() != null) {
            t = t.getCause();
        }
        boolean userError = t instanceof IllegalArgumentException || t instanceof java.nio.file.NoSuchFileException
                || t instanceof java.io.FileNotFoundException || t instanceof java.nio.file.AccessDeniedException
                || t instanceof io.livesync.sim.LiveStoreDriver.DriverNotInstalledException
                || t instanceof io.livesync.client.StoreException;
        String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        if (t instanceof java.nio.file.NoSuchFileException) {
            message = "no such file: " + message;
        }
        java.io.PrintWriter err = commandLine.getErr();
        err.println(commandLine.getCommandSpec().qualifiedName() + ": " + message);
        if ("1".equals(System.getenv(DEBUG_ENV))) {
            t.printStackTrace(err);
        } else if (!userError) {
            err.println("(an unexpected " + t.getClass().getSimpleName() + "; set " + DEBUG_ENV
                    + "=1 to see its stack trace)");
        }
        err.flush();
        return userError ? 2 : 1;
    }
}
