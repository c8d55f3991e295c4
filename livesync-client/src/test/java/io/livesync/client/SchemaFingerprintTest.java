package io.livesync.client;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SchemaFingerprintTest {

    @Test
    void theFingerprintChangesWithTablesVersionsAndUpcastersButNotWithWhitespace() {
        assertThat(EvolvingSchemas.v1().fingerprint()).isEqualTo(EvolvingSchemas.v1().fingerprint())
                .isNotEqualTo(EvolvingSchemas.columnChanged().fingerprint())
                .isNotEqualTo(EvolvingSchemas.tableAdded().fingerprint())
                .isNotEqualTo(EvolvingSchemas.materializerChanged().fingerprint())
                .isNotEqualTo(EvolvingSchemas.renamedWithUpcaster().fingerprint())
                .isNotEqualTo(EvolvingSchemas.withTags().fingerprint());
        ClientSchema spaced = ClientSchema.builder().table("CREATE TABLE t   (a TEXT)").build();
        ClientSchema tight = ClientSchema.builder().table("CREATE TABLE t (a TEXT)").build();
        assertThat(spaced.fingerprint()).isEqualTo(tight.fingerprint());
    }
}
