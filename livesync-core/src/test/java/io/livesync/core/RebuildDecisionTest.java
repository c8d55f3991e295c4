package io.livesync.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

/** The pure decision an open makes about its state tables (the seam a simulator can drive). */
class RebuildDecisionTest {

    @Test
    void aNewFileIsCreatedAndAnUnchangedOneIsUsedAsItIs() {
        assertThat(RebuildDecision.decide(null, "f2", 0, Set.of(), n -> true)).isEqualTo(new RebuildDecision.Create());
        assertThat(RebuildDecision.decide("f2", "f2", 10, Set.of(), n -> true))
                .isEqualTo(new RebuildDecision.UpToDate());
    }

    @Test
    void aFileWithALogButNoFingerprintOrAnotherFingerprintIsRebuilt() {
        assertThat(RebuildDecision.decide(null, "f2", 1, Set.of(), n -> true))
                .isInstanceOf(RebuildDecision.Rebuild.class);
        assertThat(RebuildDecision.decide("f1", "f2", 0, Set.of(), n -> true))
                .isInstanceOf(RebuildDecision.Rebuild.class);
    }

    @Test
    void deferredEventsTriggerARebuildOnlyOnceTheSchemaKnowsThem() {
        assertThat(RebuildDecision.decide("f", "f", 3, Set.of("v1.X"), n -> false))
                .isEqualTo(new RebuildDecision.UpToDate());
        assertThat(RebuildDecision.decide("f", "f", 3, Set.of("v1.X", "v1.Y"), "v1.Y"::equals))
                .isEqualTo(new RebuildDecision.Rebuild("the schema now knows deferred events v1.Y"));
    }
}
