package io.livesync.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** Checks the args of an event; returns a description of the first problem, or empty when the args are valid. */
@FunctionalInterface
public interface ArgsValidator {

    /** The problem with {@code args}, or empty if they are valid. */
    Optional<String> problem(JsonNode args);

    /** Accepts any args. */
    static ArgsValidator any() {
        return args -> Optional.empty();
    }

    /**
     * Requires a JSON object with the given members and node types (e.g. {@code "id" -> STRING}); extra members are
     * allowed so that newer writers stay readable.
     */
    static ArgsValidator objectWith(Map<String, JsonNodeType> requiredMembers) {
        Map<String, JsonNodeType> members = Map.copyOf(new LinkedHashMap<>(requiredMembers));
        return args -> {
            if (args == null || !args.isObject()) {
                return Optional.of("args must be a JSON object, got " + (args == null ? "nothing" : args.getNodeType()));
            }
            for (Map.Entry<String, JsonNodeType> member : members.entrySet()) {
                JsonNode value = args.get(member.getKey());
                if (value == null || value.isNull()) {
                    return Optional.of("args member \"" + member.getKey() + "\" is missing");
                }
                if (value.getNodeType() != member.getValue()) {
                    return Optional.of("args member \"" + member.getKey() + "\" must be " + member.getValue()
                            + ", got " + value.getNodeType());
                }
            }
            return Optional.empty();
        };
    }

    /** Shorthand for {@link #objectWith} where every member is a string. */
    static ArgsValidator stringMembers(String... names) {
        Map<String, JsonNodeType> members = new LinkedHashMap<>();
        for (String name : names) {
            members.put(Objects.requireNonNull(name), JsonNodeType.STRING);
        }
        return objectWith(members);
    }
}
