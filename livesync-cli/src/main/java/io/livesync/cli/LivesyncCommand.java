package io.livesync.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code livesync} command: the entry point of every subcommand. */
@Command(
        name = "livesync",
        mixinStandardHelpOptions = true,
        version = "livesync 0.1.0-SNAPSHOT",
        description = "Local-first, event-sourced sync engine for the JVM.",
        subcommands = {NodeSyncCommand.Run.class, ServerCommand.class, NodeSyncCommand.Repro.class,
            NodeSyncCommand.Diagnose.class, SimulateCommand.class, ConformanceCommand.class, BenchCommand.class,
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
        return new CommandLine(new LivesyncCommand()).setCaseInsensitiveEnumValuesAllowed(true);
    }
}
