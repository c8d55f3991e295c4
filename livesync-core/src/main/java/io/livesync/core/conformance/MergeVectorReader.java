package io.livesync.core.conformance;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livesync.core.Event;
import io.livesync.core.EventSeq;
import io.livesync.core.MergePayload;
import io.livesync.core.SyncState;
import io.livesync.core.conformance.MergeVector.ExpectAdvance;
import io.livesync.core.conformance.MergeVector.ExpectError;
import io.livesync.core.conformance.MergeVector.ExpectRebase;
import io.livesync.core.conformance.MergeVector.ExpectReject;
import io.livesync.core.conformance.MergeVector.ExpectedState;
import io.livesync.core.conformance.MergeVector.Expectation;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Reads merge conformance vectors: one JSON object per line (blank lines are skipped). The format is documented in
 * {@code docs/conformance.md}. Strict: unknown members, wrong types and bad sequence numbers are errors that name the
 * line and the member.
 */
public final class MergeVectorReader {

    /** Default {@code clientId} of vector events that do not name one. */
    public static final String DEFAULT_CLIENT_ID = "static-local-id";
    /** Default {@code sessionId} of vector events that do not name one. */
    public static final String DEFAULT_SESSION_ID = "static-session-id";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> CASE_MEMBERS = Set.of("name", "state", "payload", "ignoreClientEvents", "expect");
    private static final Set<String> EVENT_MEMBERS =
            Set.of("seq", "parent", "name", "args", "clientOnly", "clientId", "sessionId");

    private MergeVectorReader() {}

    /**
     * Parses the lines of one vector file.
     *
     * @param file a name for messages (usually the path)
     * @throws MalformedVectorException for the first line that cannot be read
     */
    public static List<MergeVector> read(String file, List<String> lines) {
        List<MergeVector> vectors = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            vectors.add(readLine(file + ":" + (i + 1), line));
        }
        return vectors;
    }

    static MergeVector readLine(String source, String line) {
        JsonNode root;
        try {
            root = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new MalformedVectorException(source, "not valid JSON: " + e.getOriginalMessage());
        }
        Context ctx = new Context(source);
        ctx.requireObject(root, "the line");
        ctx.rejectUnknown(root, CASE_MEMBERS, "the case");
        String name = ctx.text(root, "name");
        JsonNode stateNode = ctx.object(root, "state");
        ctx.rejectUnknown(stateNode, Set.of("pending", "upstreamHead", "localHead"), "state");
        SyncState state = new SyncState(
                ctx.events(stateNode, "pending", "state.pending"),
                ctx.seq(stateNode, "upstreamHead", "state.upstreamHead"),
                ctx.seq(stateNode, "localHead", "state.localHead"));
        MergePayload payload = ctx.payload(ctx.object(root, "payload"));
        boolean ignore = false;
        JsonNode ignoreNode = root.get("ignoreClientEvents");
        if (ignoreNode != null) {
            if (!ignoreNode.isBoolean()) {
                throw ctx.error("\"ignoreClientEvents\" must be a boolean");
            }
            ignore = ignoreNode.booleanValue();
        }
        Expectation expect = ctx.expectation(ctx.object(root, "expect"));
        return new MergeVector(source, name, state, payload, ignore, expect,
                Collections.unmodifiableSet(ctx.clientOnly));
    }

    /** Per-line parsing state: where we are, and which events were marked client-only. */
    private static final class Context {
        private final String source;
        private final Set<Event> clientOnly = Collections.newSetFromMap(new IdentityHashMap<>());

        Context(String source) {
            this.source = source;
        }

        MalformedVectorException error(String problem) {
            return new MalformedVectorException(source, problem);
        }

        void requireObject(JsonNode node, String what) {
            if (node == null || !node.isObject()) {
                throw error(what + " must be a JSON object");
            }
        }

        void rejectUnknown(JsonNode node, Set<String> allowed, String what) {
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                String field = it.next();
                if (!allowed.contains(field)) {
                    throw error("unknown member \"" + field + "\" in " + what + " (allowed: " + allowed + ")");
                }
            }
        }

        JsonNode object(JsonNode parent, String member) {
            JsonNode node = parent.get(member);
            if (node == null) {
                throw error("missing member \"" + member + "\"");
            }
            requireObject(node, "\"" + member + "\"");
            return node;
        }

        String text(JsonNode parent, String member) {
            JsonNode node = parent.get(member);
            if (node == null || !node.isTextual()) {
                throw error("member \"" + member + "\" must be a string");
            }
            return node.textValue();
        }

        EventSeq seq(JsonNode parent, String member, String path) {
            JsonNode node = parent.get(member);
            if (node == null || !node.isTextual()) {
                throw error(path + " must be a sequence number string such as \"e1.2r1\"");
            }
            try {
                return EventSeq.parse(node.textValue());
            } catch (IllegalArgumentException e) {
                throw error(path + ": " + e.getMessage());
            }
        }

        EventSeq optionalSeq(JsonNode parent, String member, String path) {
            return parent.has(member) ? seq(parent, member, path) : null;
        }

        List<Event> events(JsonNode parent, String member, String path) {
            JsonNode node = parent.get(member);
            if (node == null || !node.isArray()) {
                throw error(path + " must be an array of events");
            }
            List<Event> events = new ArrayList<>(node.size());
            for (int i = 0; i < node.size(); i++) {
                events.add(event(node.get(i), path + "[" + i + "]"));
            }
            return events;
        }

        List<Event> optionalEvents(JsonNode parent, String member, String path) {
            return parent.has(member) ? events(parent, member, path) : null;
        }

        Event event(JsonNode node, String path) {
            requireObject(node, path);
            rejectUnknown(node, EVENT_MEMBERS, path);
            EventSeq seq = seq(node, "seq", path + ".seq");
            EventSeq parent = seq(node, "parent", path + ".parent");
            JsonNode nameNode = node.get("name");
            if (nameNode == null || !nameNode.isTextual() || nameNode.textValue().isEmpty()) {
                throw error(path + ".name must be a non-empty string");
            }
            if (!node.has("args")) {
                throw error(path + ".args is missing (use null for no args)");
            }
            String clientId = optionalText(node, "clientId", path, DEFAULT_CLIENT_ID);
            String sessionId = optionalText(node, "sessionId", path, DEFAULT_SESSION_ID);
            boolean isClientOnly = false;
            JsonNode flag = node.get("clientOnly");
            if (flag != null) {
                if (!flag.isBoolean()) {
                    throw error(path + ".clientOnly must be a boolean");
                }
                isClientOnly = flag.booleanValue();
            }
            if (isClientOnly != seq.isClientPosition()) {
                throw error(path + ": clientOnly=" + isClientOnly + " contradicts seq " + seq
                        + " (client-only events have a client part, synced events do not)");
            }
            Event event = Event.of(seq, parent, nameNode.textValue(), node.get("args"), clientId, sessionId);
            if (isClientOnly) {
                clientOnly.add(event);
            }
            return event;
        }

        private String optionalText(JsonNode node, String member, String path, String fallback) {
            JsonNode value = node.get(member);
            if (value == null) {
                return fallback;
            }
            if (!value.isTextual()) {
                throw error(path + "." + member + " must be a string");
            }
            return value.textValue();
        }

        MergePayload payload(JsonNode node) {
            rejectUnknown(node, Set.of("kind", "newEvents", "rollbackEvents"), "payload");
            String kind = text(node, "kind");
            List<Event> newEvents = events(node, "newEvents", "payload.newEvents");
            return switch (kind) {
                case "local-push" -> {
                    forbid(node, "rollbackEvents", "a local-push payload");
                    yield new MergePayload.LocalPush(newEvents);
                }
                case "upstream-advance" -> {
                    forbid(node, "rollbackEvents", "an upstream-advance payload");
                    yield new MergePayload.UpstreamAdvance(newEvents);
                }
                case "upstream-rebase" -> new MergePayload.UpstreamRebase(
                        events(node, "rollbackEvents", "payload.rollbackEvents"), newEvents);
                default -> throw error("payload.kind must be local-push, upstream-advance or upstream-rebase, got \""
                        + kind + "\"");
            };
        }

        private void forbid(JsonNode node, String member, String what) {
            if (node.has(member)) {
                throw error("\"" + member + "\" is not allowed in " + what);
            }
        }

        Expectation expectation(JsonNode node) {
            String kind = text(node, "kind");
            return switch (kind) {
                case "advance" -> {
                    rejectUnknown(node, Set.of("kind", "newState", "newEvents", "confirmedEvents"), "expect");
                    yield new ExpectAdvance(expectedState(node),
                            optionalEvents(node, "newEvents", "expect.newEvents"),
                            optionalEvents(node, "confirmedEvents", "expect.confirmedEvents"));
                }
                case "rebase" -> {
                    rejectUnknown(node, Set.of("kind", "newState", "newEvents", "rollbackEvents"), "expect");
                    yield new ExpectRebase(expectedState(node),
                            optionalEvents(node, "newEvents", "expect.newEvents"),
                            optionalEvents(node, "rollbackEvents", "expect.rollbackEvents"));
                }
                case "reject" -> {
                    rejectUnknown(node, Set.of("kind", "expectedMinimumId"), "expect");
                    yield new ExpectReject(seq(node, "expectedMinimumId", "expect.expectedMinimumId"));
                }
                case "error" -> {
                    rejectUnknown(node, Set.of("kind"), "expect");
                    yield new ExpectError();
                }
                default -> throw error("expect.kind must be advance, rebase, reject or error, got \"" + kind + "\"");
            };
        }

        private ExpectedState expectedState(JsonNode expect) {
            if (!expect.has("newState")) {
                return null;
            }
            JsonNode state = object(expect, "newState");
            rejectUnknown(state, Set.of("pending", "upstreamHead", "localHead"), "expect.newState");
            return new ExpectedState(
                    optionalEvents(state, "pending", "expect.newState.pending"),
                    optionalSeq(state, "upstreamHead", "expect.newState.upstreamHead"),
                    optionalSeq(state, "localHead", "expect.newState.localHead"));
        }
    }
}
