package io.livesync.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.livesync.core.conformance.MergeConformance;
import io.livesync.core.conformance.MergeVector;
import io.livesync.core.conformance.MergeVectorReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** The 23 + 3 reference cases of SYNC-SPEC §2.6 (HEAD column), one test each, from the shipped vector file. */
class MergeReferenceCasesTest {

    static List<MergeVector> referenceVectors() throws IOException {
        Path file = TestPaths.root().resolve("conformance/merge-reference.jsonl");
        return MergeVectorReader.read(file.toString(), Files.readAllLines(file, StandardCharsets.UTF_8));
    }

    @Test
    void theReferenceFileHasAllTwentySixCases() throws IOException {
        List<String> names = referenceVectors().stream().map(MergeVector::name).toList();
        assertThat(names).hasSize(26);
        for (String id : List.of("UR1", "UR2", "UR3", "UA1", "UA2", "UA3", "UA4", "UA5", "UA6", "UA7", "UA8", "UA9",
                "UA10", "UA11", "UA12", "UA13", "RB1", "RB2", "RB3", "RB4", "RB5", "LP1", "LP2", "H1", "H2", "H3")) {
            assertThat(names).anyMatch(n -> n.startsWith(id + " "));
        }
    }

    @TestFactory
    Stream<DynamicTest> everyReferenceCasePasses() throws IOException {
        return referenceVectors().stream().map(vector -> DynamicTest.dynamicTest(vector.name(),
                () -> assertThat(MergeConformance.check(vector)).as(vector.source()).isEmpty()));
    }
}
