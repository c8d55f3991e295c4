package io.livesync.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The EventSeq cases of SYNC-SPEC §1.1 (HEAD column). */
class EventSeqTest {

    private static EventSeq s(String text) {
        return EventSeq.parse(text);
    }

    @Test
    void nextPairOfRootForClientOnlyAndSynced() {
        assertThat(EventSeq.ROOT.next(true).seq()).isEqualTo(s("e0.1"));
        assertThat(EventSeq.ROOT.next(true).parent()).isEqualTo(EventSeq.ROOT);
        assertThat(EventSeq.ROOT.next(false).seq()).isEqualTo(s("e1"));
        assertThat(EventSeq.ROOT.next(false).parent()).isEqualTo(EventSeq.ROOT);
    }

    @Test
    void nextPairWithExplicitGenerationCarriesItForward() {
        assertThat(EventSeq.ROOT.next(true, 1).seq()).isEqualTo(s("e0.1r1"));
        assertThat(EventSeq.ROOT.next(false, 1).seq()).isEqualTo(s("e1r1"));
    }

    @Test
    void nextPairCarriesTheGenerationOfItsPredecessor() {
        EventSeq.SeqPair pair = s("e0r2").next(false);
        assertThat(pair.seq()).isEqualTo(s("e1r2"));
        assertThat(pair.parent()).isEqualTo(s("e0r2"));
    }

    @Test
    void syncedSuccessorOfClientEventHasParentWithoutClientPart() {
        EventSeq.SeqPair pair = s("e5.2").next(false);
        assertThat(pair.seq()).isEqualTo(s("e6"));
        assertThat(pair.parent()).isEqualTo(s("e5"));
        EventSeq.SeqPair clientPair = s("e5.2r1").next(true);
        assertThat(clientPair.seq()).isEqualTo(s("e5.3r1"));
        assertThat(clientPair.parent()).isEqualTo(s("e5.2r1"));
    }

    @Test
    void compareIsLexicographicGlobalThenClientThenGeneration() {
        assertThat(s("e2").compareTo(s("e1.5r9"))).isPositive();
        assertThat(s("e1.2").compareTo(s("e1.1r9"))).isPositive();
        assertThat(s("e1.1r2").compareTo(s("e1.1r1"))).isPositive();
        assertThat(s("e1.1r1").compareTo(s("e1.1r1"))).isZero();
    }

    @Test
    void greaterThanAndEqualityIgnoreGenerationExceptEquals() {
        assertThat(s("e1r5").isGreaterThan(s("e1"))).isFalse();
        assertThat(s("e1r5").isGreaterThanOrEqual(s("e1"))).isTrue();
        assertThat(s("e1r5").samePosition(s("e1"))).isTrue();
        assertThat(s("e1r5")).isNotEqualTo(s("e1"));
        assertThat(s("e1.1").isGreaterThan(s("e1r3"))).isTrue();
    }

    @Test
    void maxReturnsSecondArgumentOnTies() {
        EventSeq a = s("e3r1");
        EventSeq b = s("e3r2");
        assertThat(EventSeq.max(a, b)).isSameAs(b);
        assertThat(EventSeq.max(b, a)).isSameAs(a);
        assertThat(EventSeq.max(s("e4"), b)).isEqualTo(s("e4"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"e0", "e0r1", "e0.1", "e0.1r1", "e5.3r2", "e100.50r10", "e9223372036854775807"})
    void stringFormRoundTrips(String text) {
        assertThat(s(text).toString()).isEqualTo(text);
        assertThat(s(s(text).toString())).isEqualTo(s(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "1", "E1", "e", "e-1", "e1.", "e.1", "e1r", "e1.2.3", "e1+2", "e1 ", " e1", "e01",
        "e1.0", "e1r0", "e1r1.2", "e1.2r1r2", "e99999999999999999999", "e1.99999999999", "ex", "e1.x", "e1rx"})
    void parseRejectsMalformedInputNamingIt(String text) {
        assertThatThrownBy(() -> EventSeq.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\"" + text + "\"");
    }

    @Test
    void parseRejectsNull() {
        assertThatThrownBy(() -> EventSeq.parse(null)).hasMessageContaining("null");
    }

    @Test
    void negativePartsAreRejected() {
        assertThatThrownBy(() -> new EventSeq(-1, 0, 0)).hasMessageContaining("global=-1");
    }
}
