package io.livesync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ConformanceCommandTest {

    record Run(int exit, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = LivesyncCommand.newCommandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    static Path reference() {
        Path dir = Path.of(System.getProperty("livesync.root", "..")).toAbsolutePath();
        return dir.resolve("conformance/merge-reference.jsonl");
    }

    @Test
    void referenceVectorsAllPass() {
        Run run = run("conformance", "merge", reference().toString());
        assertThat(run.out()).contains("26 passed, 0 failed");
        assertThat(run.exit()).isZero();
    }

    @Test
    void aWrongExpectationIsReportedWithADiffAndExitOne(@TempDir Path dir) throws Exception {
        String first = Files.readAllLines(reference()).getFirst().replace("\"localHead\":\"e4r1\"}", "\"localHead\":\"e9\"}");
        Path file = Files.writeString(dir.resolve("wrong.jsonl"), first + "\n");
        Run run = run("conformance", "merge", file.toString());
        assertThat(run.out()).contains("FAIL UR1").contains("newState.localHead: expected e9, got e4r1")
                .contains("0 passed, 1 failed");
        assertThat(run.exit()).isEqualTo(1);
    }

    @Test
    void aMalformedVectorNamesTheLineAndExitsTwo(@TempDir Path dir) throws Exception {
        Path file = Files.write(dir.resolve("bad.jsonl"), List.of("", "{\"name\":\"x\",\"state\":{}}"));
        Run run = run("conformance", "merge", file.toString());
        assertThat(run.err()).contains("bad.jsonl:2").contains("malformed vector");
        assertThat(run.exit()).isEqualTo(2);
    }

    @Test
    void truncatedJsonIsMalformed(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("t.jsonl"), "{\"name\":");
        Run run = run("conformance", "merge", file.toString());
        assertThat(run.err()).contains("t.jsonl:1").contains("not valid JSON");
        assertThat(run.exit()).isEqualTo(2);
    }

    @Test
    void aMissingFileExitsTwo(@TempDir Path dir) {
        Run run = run("conformance", "merge", dir.resolve("nope.jsonl").toString());
        assertThat(run.err()).contains("cannot read");
        assertThat(run.exit()).isEqualTo(2);
    }

    @Test
    void helpListsTheSubcommands() {
        Run run = run("--help");
        assertThat(run.out()).contains("conformance").contains("bench");
    }
}
