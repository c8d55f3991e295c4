package io.livesync.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class SchemaAndEventTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String text) throws Exception {
        return JSON.readTree(text);
    }

    private final Schema schema = Schema.builder()
            .event(EventDefinition.synced("v1.TodoCreated", ArgsValidator.stringMembers("id", "text")))
            .event(EventDefinition.clientOnly("v1.UiStateSet", ArgsValidator.any()))
            .build();

    @Test
    void unknownEventNameIsNamedWithTheKnownOnes() {
        assertThatThrownBy(() -> schema.require("v1.TodoDeleted"))
                .isInstanceOf(UnknownEventException.class)
                .hasMessageContaining("\"v1.TodoDeleted\"")
                .hasMessageContaining("v1.TodoCreated, v1.UiStateSet");
    }

    @Test
    void argsValidationNamesTheEventAndTheMember() throws Exception {
        schema.validate("v1.TodoCreated", json("{\"id\":\"1\",\"text\":\"x\",\"extra\":1}"));
        assertThatThrownBy(() -> schema.validate("v1.TodoCreated", json("{\"id\":\"1\"}")))
                .isInstanceOf(InvalidEventArgsException.class)
                .hasMessageContaining("v1.TodoCreated").hasMessageContaining("\"text\" is missing");
        assertThatThrownBy(() -> schema.validate("v1.TodoCreated", json("{\"id\":1,\"text\":\"x\"}")))
                .hasMessageContaining("\"id\" must be STRING");
        assertThatThrownBy(() -> schema.validate("v1.TodoCreated", json("[1]")))
                .hasMessageContaining("must be a JSON object");
    }

    @Test
    void duplicateDefinitionsFailFast() {
        assertThatThrownBy(() -> Schema.builder()
                .event(EventDefinition.synced("a", ArgsValidator.any()))
                .event(EventDefinition.clientOnly("a", ArgsValidator.any())))
                .hasMessageContaining("\"a\" is declared twice");
    }

    @Test
    void clientOnlyLookup() {
        Event created = Event.of(EventSeq.ofGlobal(1), EventSeq.ROOT, "v1.TodoCreated", null, "c", "s");
        Event ui = Event.of(EventSeq.parse("e0.1"), EventSeq.ROOT, "v1.UiStateSet", null, "c", "s");
        assertThat(schema.isClientOnly(created)).isFalse();
        assertThat(schema.isClientOnly(ui)).isTrue();
    }

    @Test
    void canonicalArgsIgnoreKeyOrderNullMembersAndNumberSpelling() throws Exception {
        assertThat(CanonicalJson.equivalent(json("{\"a\":1,\"b\":{\"c\":[1,2]}}"), json("{\"b\":{\"c\":[1,2.0]},\"a\":1}")))
                .isTrue();
        assertThat(CanonicalJson.equivalent(json("{\"a\":1,\"flag\":null}"), json("{\"a\":1}"))).isTrue();
        assertThat(CanonicalJson.equivalent(json("{\"a\":1e0}"), json("{\"a\":1}"))).isTrue();
        assertThat(CanonicalJson.equivalent(json("[null]"), json("[]"))).isFalse();
        assertThat(CanonicalJson.equivalent(json("{\"a\":\"1\"}"), json("{\"a\":1}"))).isFalse();
        assertThat(CanonicalJson.equivalent(json("{\"a\":[1,2]}"), json("{\"a\":[2,1]}"))).isFalse();
        assertThat(CanonicalJson.equivalent(null, json("null"))).isTrue();
    }

    @Test
    void sameEventIgnoresGenerationParentAndMeta() throws Exception {
        Event a = Event.of(EventSeq.parse("e3r1"), EventSeq.parse("e2"), "n", json("{\"x\":1}"), "c", "s");
        Event b = new Event(EventSeq.parse("e3"), EventSeq.parse("e2r4"), "n", json("{\"x\":1.0}"), "c", "s",
                new EventMeta(json("{\"createdAt\":\"t\"}")));
        assertThat(a.sameEvent(b)).isTrue();
        assertThat(a.sameEvent(new Event(b.seq(), b.parent(), b.name(), b.args(), "other", "s", null))).isFalse();
        assertThat(a.sameEvent(new Event(EventSeq.parse("e3.1"), b.parent(), b.name(), b.args(), "c", "s", null)))
                .isFalse();
    }
}
