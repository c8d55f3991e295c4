package io.livesync.cli;

import io.livesync.core.conformance.MalformedVectorException;
import io.livesync.core.conformance.MergeConformance;
import io.livesync.core.conformance.MergeVector;
import io.livesync.core.conformance.MergeVectorReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code livesync conformance}: runs conformance vectors against livesync's implementation. */
@Command(name = "conformance", description = "Run conformance vectors (see docs/conformance.md).",
        mixinStandardHelpOptions = true, subcommands = {ConformanceCommand.Merge.class})
final class ConformanceCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** {@code livesync conformance merge FILE...}. */
    @Command(name = "merge", mixinStandardHelpOptions = true,
            description = "Run SyncState.merge vectors (JSON lines). Prints each failing case with a diff, then "
                    + "'N passed, N failed'. Exit 0 only if every case passes; 2 on a malformed or unreadable file.")
    static final class Merge implements Callable<Integer> {

        @Parameters(arity = "1..*", paramLabel = "FILE", description = "vector files (.jsonl)")
        List<Path> files;

        @CommandLine.Option(names = "--verbose", description = "also print the passing cases")
        boolean verbose;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            List<MergeVector> vectors = new ArrayList<>();
            for (Path file : files) {
                try {
                    vectors.addAll(MergeVectorReader.read(file.toString(),
                            Files.readAllLines(file, StandardCharsets.UTF_8)));
                } catch (IOException e) {
                    err.println("livesync conformance: cannot read " + file + ": " + e);
                    return 2;
                } catch (MalformedVectorException e) {
                    err.println("livesync conformance: " + e.getMessage());
                    return 2;
                }
            }
            if (vectors.isEmpty()) {
                err.println("livesync conformance: no vectors in " + files);
                return 2;
            }
            MergeConformance.Report report = MergeConformance.run(vectors);
            for (MergeConformance.CaseOutcome outcome : report.outcomes()) {
                if (!outcome.passed()) {
                    out.println("FAIL " + outcome.vector().name() + " (" + outcome.vector().source() + ")");
                    outcome.differences().forEach(d -> out.println("    " + d));
                } else if (verbose) {
                    out.println("ok   " + outcome.vector().name());
                }
            }
            out.println(report.summary());
            out.flush();
            return report.failed() == 0 ? 0 : 1;
        }
    }
}
