package io.livesync.core.wire;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livesync.core.Event;
import io.livesync.core.EventMeta;
import io.livesync.core.EventSeq;
import io.livesync.core.PageInfo;
import io.livesync.core.wire.WireFrames.Ack;
import io.livesync.core.wire.WireFrames.BackendIdMismatchError;
import io.livesync.core.wire.WireFrames.Chunk;
import io.livesync.core.wire.WireFrames.ClientFrame;
import io.livesync.core.wire.WireFrames.Exit;
import io.livesync.core.wire.WireFrames.Failure;
import io.livesync.core.wire.WireFrames.Interrupt;
import io.livesync.core.wire.WireFrames.Ping;
import io.livesync.core.wire.WireFrames.Pong;
import io.livesync.core.wire.WireFrames.PullRequest;
import io.livesync.core.wire.WireFrames.PullResponse;
import io.livesync.core.wire.WireFrames.PushRequest;
import io.livesync.core.wire.WireFrames.ServerAheadError;
import io.livesync.core.wire.WireFrames.ServerFrame;
import io.livesync.core.wire.WireFrames.Success;
import io.livesync.core.wire.WireFrames.UnknownError;
import io.livesync.core.wire.WireFrames.WireError;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads and writes the frames of {@link WireFrames} as JSON text. Reading is strict and bounded: size, nesting depth,
 * number of events, size of each event, types of every member; a violation is a {@link WireException} with a stable
 * code. Writing produces exactly the shapes LiveStore 0.4's client decodes (LIVESTORE-WS-PROTOCOL.md §3 and §5).
 */
public final class WireCodec {

    /** The largest sequence number: a JavaScript safe integer, since LiveStore clients hold it in a number. */
    public static final long MAX_SEQ = (1L << 53) - 1;

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private final WireLimits limits;
    private final ObjectMapper reader;
    private final ObjectMapper writer = new ObjectMapper();

    public WireCodec(WireLimits limits) {
        this.limits = limits;
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(limits.maxJsonDepth())
                        .maxNumberLength(40)
                        .maxStringLength(limits.maxFrameBytes())
                        .build())
                .build();
        this.reader = new ObjectMapper(factory);
    }

    public WireLimits limits() {
        return limits;
    }

    // ------------------------------------------------------------------ client -> server

    /** Parses one client frame. @throws WireException naming what is wrong (with the request id if readable) */
    public ClientFrame parseClientFrame(String text) {
        JsonNode root = parseBounded(text, null);
        if (!root.isObject()) {
            throw new WireException(WireErrorCode.MALFORMED_FRAME, "a frame must be a JSON object, got " + root.getNodeType(), null);
        }
        String tag = optionalText(root, "_tag", "frame", null);
        if (tag == null) {
            throw new WireException(WireErrorCode.MALFORMED_FRAME, "the frame has no \"_tag\"", null);
        }
        return switch (tag) {
            case "Ping" -> new Ping();
            case "Ack" -> new Ack(requireText(root, "requestId", "Ack", null));
            case "Interrupt" -> new Interrupt(requireText(root, "requestId", "Interrupt", null));
            case "Request" -> parseRequest(root);
            case "LivesyncClientStatus" -> new WireFrames.ClientStatus(root.path("clientId").asText(""),
                    root.path("pendingToPush").asLong(-1),
                    root.path("pushLoop").asText(""), root.path("loopReason").asText(""),
                    root.path("upstreamHead").asLong(-1), root.path("stallsSuspected").asLong(0));
            default -> new WireFrames.Unknown(tag);
        };
    }

    private ClientFrame parseRequest(JsonNode root) {
        String id = requireText(root, "id", "Request", null);
        String rpc = requireText(root, "tag", "Request", id);
        JsonNode payload = root.get("payload");
        if (payload == null || !payload.isObject()) {
            throw new WireException(WireErrorCode.MALFORMED_FRAME, "Request " + id + " has no \"payload\" object", id);
        }
        String storeId = requireText(payload, "storeId", rpc + " payload", id);
        JsonNode syncPayload = payload.get("payload");
        return switch (rpc) {
            case "SyncWsRpc.Pull" -> {
                JsonNode live = payload.get("live");
                if (live == null || !live.isBoolean()) {
                    throw new WireException(WireErrorCode.MALFORMED_FRAME, "SyncWsRpc.Pull payload.live must be a boolean", id);
                }
                JsonNode cursor = option(payload.get("cursor"), "SyncWsRpc.Pull payload.cursor", id);
                Long seq = null;
                String backendId = null;
                if (cursor != null) {
                    if (!cursor.isObject()) {
                        throw new WireException(WireErrorCode.MALFORMED_FRAME, "the pull cursor must be an object", id);
                    }
                    seq = requireSeq(cursor, "eventSequenceNumber", "pull cursor", id);
                    backendId = requireText(cursor, "backendId", "pull cursor", id);
                }
                yield new PullRequest(id, storeId, syncPayload, live.booleanValue(), seq, backendId);
            }
            case "SyncWsRpc.Push" -> {
                JsonNode batch = payload.get("batch");
                if (batch == null || !batch.isArray()) {
                    throw new WireException(WireErrorCode.MALFORMED_FRAME, "SyncWsRpc.Push payload.batch must be an array", id);
                }
                if (batch.size() > limits.maxEventsPerPush()) {
                    throw new WireException(WireErrorCode.TOO_MANY_EVENTS, "the push has " + batch.size()
                            + " events; the limit is " + limits.maxEventsPerPush() + " (maxEventsPerPush)", id);
                }
                List<Event> events = new ArrayList<>(batch.size());
                for (int i = 0; i < batch.size(); i++) {
                    events.add(pushedEventFromWire(batch.get(i), "batch[" + i + "]", id));
                }
                JsonNode backendId = option(payload.get("backendId"), "SyncWsRpc.Push payload.backendId", id);
                if (backendId != null && !backendId.isTextual()) {
                    throw new WireException(WireErrorCode.MALFORMED_FRAME, "payload.backendId must be Option<string>", id);
                }
                JsonNode chains = payload.get("chainsOnPrevious");
                if (chains != null && !chains.isBoolean()) {
                    throw new WireException(WireErrorCode.MALFORMED_FRAME,
                            "payload.chainsOnPrevious must be a boolean when present", id);
                }
                yield new PushRequest(id, storeId, syncPayload, events,
                        backendId == null ? null : backendId.textValue(), chains == null ? null : chains.booleanValue());
            }
            default -> throw new WireException(WireErrorCode.UNSUPPORTED_REQUEST, "unknown RPC \"" + rpc
                    + "\" (supported: SyncWsRpc.Pull, SyncWsRpc.Push)", id);
        };
    }

    /** Encodes a client frame (used by livesync's own client). */
    public String encode(ClientFrame frame) {
        ObjectNode root = NODES.objectNode();
        switch (frame) {
            case Ping p -> root.put("_tag", "Ping");
            case Ack a -> root.put("_tag", "Ack").put("requestId", a.requestId());
            case Interrupt i -> root.put("_tag", "Interrupt").put("requestId", i.requestId());
            case WireFrames.Unknown u -> root.put("_tag", u.tag());
            case WireFrames.ClientStatus st -> root.put("_tag", "LivesyncClientStatus").put("clientId", st.clientId())
                    .put("pendingToPush", st.pendingToPush()).put("pushLoop", st.pushLoop())
                    .put("loopReason", st.loopReason()).put("upstreamHead", st.upstreamHead())
                    .put("stallsSuspected", st.stallsSuspected());
            case PullRequest pull -> {
                ObjectNode payload = request(root, pull.id(), "SyncWsRpc.Pull", pull.storeId(), pull.syncPayload());
                payload.put("live", pull.live());
                if (pull.cursor() == null) {
                    payload.set("cursor", none());
                } else {
                    payload.set("cursor", some(NODES.objectNode().put("backendId", pull.cursorBackendId())
                            .put("eventSequenceNumber", pull.cursor())));
                }
            }
            case PushRequest push -> {
                ObjectNode payload = request(root, push.id(), "SyncWsRpc.Push", push.storeId(), push.syncPayload());
                ArrayNode batch = payload.putArray("batch");
                for (Event e : push.batch()) {
                    batch.add(eventToWire(e));
                }
                payload.set("backendId", push.backendId() == null ? none() : some(NODES.textNode(push.backendId())));
                if (push.chainsOnPrevious() != null) {
                    payload.put("chainsOnPrevious", push.chainsOnPrevious().booleanValue());
                }
            }
        }
        return write(root);
    }

    private static ObjectNode request(ObjectNode root, String id, String tag, String storeId, JsonNode syncPayload) {
        root.put("_tag", "Request").put("id", id).put("tag", tag);
        ObjectNode payload = root.putObject("payload");
        payload.put("storeId", storeId);
        if (syncPayload != null && !syncPayload.isMissingNode() && !syncPayload.isNull()) {
            payload.set("payload", syncPayload);
        }
        root.put("traceId", "livesync").put("spanId", "livesync").put("sampled", false);
        root.putArray("headers");
        return payload;
    }

    // ------------------------------------------------------------------ server -> client

    /** Encodes a server frame in the exact shapes LiveStore's client decodes. */
    public String encode(ServerFrame frame) {
        ObjectNode root = NODES.objectNode();
        switch (frame) {
            case Pong p -> root.put("_tag", "Pong");
            case Chunk chunk -> {
                root.put("_tag", "Chunk").put("requestId", chunk.requestId());
                ArrayNode values = root.putArray("values");
                for (PullResponse response : chunk.values()) {
                    values.add(pullResponse(response));
                }
            }
            case Exit exit -> {
                root.put("_tag", "Exit").put("requestId", exit.requestId());
                ObjectNode value = root.putObject("exit");
                switch (exit.exit()) {
                    case Success success -> {
                        value.put("_tag", "Success");
                        if (success.value() != null) {
                            value.set("value", success.value());
                        }
                    }
                    case Failure failure -> {
                        value.put("_tag", "Failure");
                        value.putObject("cause").put("_tag", "Fail").set("error", error(failure.error()));
                    }
                }
            }
        }
        return write(root);
    }

    /** A PullResponse object (also the body of the HTTP pull endpoint). */
    public ObjectNode pullResponse(PullResponse response) {
        ObjectNode node = NODES.objectNode();
        ArrayNode batch = node.putArray("batch");
        for (Event e : response.batch()) {
            ObjectNode item = batch.addObject();
            item.set("eventEncoded", eventToWire(e));
            JsonNode metadata = e.meta().syncMetadata();
            item.set("metadata", metadata == null ? none() : some(metadata));
        }
        node.set("pageInfo", pageInfo(response.pageInfo()));
        node.put("backendId", response.backendId());
        return node;
    }

    /** An error object ({@code {"_tag": ...}}). */
    public static ObjectNode error(WireError error) {
        ObjectNode node = NODES.objectNode();
        switch (error) {
            case ServerAheadError e -> node.put("_tag", "ServerAheadError")
                    .put("minimumExpectedNum", e.minimumExpectedNum()).put("providedNum", e.providedNum());
            case BackendIdMismatchError e -> node.put("_tag", "BackendIdMismatchError")
                    .put("expected", e.expected()).put("received", e.received());
            case UnknownError e -> {
                node.put("_tag", "UnknownError").set("cause", e.cause() == null ? NODES.textNode("unknown") : e.cause());
                if (e.note() != null) {
                    node.put("note", e.note());
                }
            }
        }
        return node;
    }

    /** A typed livesync error carried as LiveStore's {@code UnknownError}. */
    public static UnknownError typedError(WireErrorCode code, String message) {
        return new UnknownError(NODES.objectNode().put("name", "LivesyncError").put("code", code.wireName())
                .put("message", message), message);
    }

    /** Parses a server frame (used by livesync's own client). */
    public ServerFrame parseServerFrame(String text) {
        JsonNode root = parseBounded(text, null);
        String tag = optionalText(root, "_tag", "frame", null);
        if (tag == null) {
            throw new WireException(WireErrorCode.MALFORMED_FRAME, "server frame without \"_tag\"", null);
        }
        return switch (tag) {
            case "Pong" -> new Pong();
            case "Chunk" -> {
                String requestId = requireText(root, "requestId", "Chunk", null);
                JsonNode values = root.get("values");
                if (values == null || !values.isArray() || values.isEmpty()) {
                    throw new WireException(WireErrorCode.MALFORMED_FRAME, "Chunk.values must be a non-empty array", requestId);
                }
                List<PullResponse> responses = new ArrayList<>();
                for (JsonNode value : values) {
                    responses.add(parsePullResponse(value, requestId));
                }
                yield new Chunk(requestId, responses);
            }
            case "Exit" -> {
                String requestId = requireText(root, "requestId", "Exit", null);
                JsonNode exit = root.get("exit");
                if (exit == null || !exit.isObject()) {
                    throw new WireException(WireErrorCode.MALFORMED_FRAME, "Exit.exit must be an object", requestId);
                }
                String exitTag = requireText(exit, "_tag", "Exit.exit", requestId);
                if (exitTag.equals("Success")) {
                    yield new Exit(requestId, new Success(exit.get("value")));
                }
                JsonNode error = exit.path("cause").path("error");
                yield new Exit(requestId, new Failure(parseError(error, exit, requestId)));
            }
            default -> throw new WireException(WireErrorCode.MALFORMED_FRAME, "unknown server frame \"" + tag + "\"", null);
        };
    }

    /** Parses a PullResponse object (also the HTTP pull body). */
    public PullResponse parsePullResponse(JsonNode value, String requestId) {
        JsonNode batch = value.get("batch");
        if (batch == null || !batch.isArray()) {
            throw new WireException(WireErrorCode.MALFORMED_FRAME, "PullResponse.batch must be an array", requestId);
        }
        List<Event> events = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            JsonNode item = batch.get(i);
            events.add(eventFromWire(item.get("eventEncoded"), item.get("metadata"), "batch[" + i + "]", requestId));
        }
        JsonNode info = value.get("pageInfo");
        String infoTag = info == null ? null : optionalText(info, "_tag", "pageInfo", requestId);
        PageInfo pageInfo;
        if ("NoMore".equals(infoTag)) {
            pageInfo = PageInfo.NO_MORE;
        } else if ("MoreKnown".equals(infoTag)) {
            pageInfo = new PageInfo.MoreKnown(requireSeq(info, "remaining", "pageInfo", requestId));
        } else if ("MoreUnknown".equals(infoTag)) {
            pageInfo = new PageInfo.MoreUnknown();
        } else {
            throw new WireException(WireErrorCode.MALFORMED_FRAME, "PullResponse.pageInfo must be NoMore, MoreKnown or MoreUnknown",
                    requestId);
        }
        return new PullResponse(events, pageInfo, requireText(value, "backendId", "PullResponse", requestId));
    }

    private WireError parseError(JsonNode error, JsonNode exit, String requestId) {
        String tag = error.isObject() ? optionalText(error, "_tag", "error", requestId) : null;
        if ("ServerAheadError".equals(tag)) {
            return new ServerAheadError(requireSeq(error, "minimumExpectedNum", "ServerAheadError", requestId),
                    requireSeq(error, "providedNum", "ServerAheadError", requestId));
        }
        if ("BackendIdMismatchError".equals(tag)) {
            return new BackendIdMismatchError(requireText(error, "expected", "BackendIdMismatchError", requestId),
                    requireText(error, "received", "BackendIdMismatchError", requestId));
        }
        if ("UnknownError".equals(tag)) {
            JsonNode note = error.get("note");
            return new UnknownError(error.get("cause"), note != null && note.isTextual() ? note.textValue() : null);
        }
        return new UnknownError(exit.path("cause"), "undecodable failure");
    }

    // ------------------------------------------------------------------ events

    /**
     * An event in global wire form: {@code {name, args?, seqNum, parentSeqNum, clientId, sessionId}}; {@code metadata}
     * is the optional {@code Option<SyncMetadata>}.
     */
    public Event eventFromWire(JsonNode node, JsonNode metadata, String path, String requestId) {
        if (node == null || !node.isObject()) {
            throw new WireException(WireErrorCode.INVALID_EVENT, path + " must be an event object", requestId);
        }
        int size = node.toString().getBytes(StandardCharsets.UTF_8).length;
        if (size > limits.maxEventBytes()) {
            throw new WireException(WireErrorCode.EVENT_TOO_LARGE, path + " is " + size + " bytes; the limit is "
                    + limits.maxEventBytes() + " (maxEventBytes)", requestId);
        }
        String name = requireText(node, "name", path, requestId, WireErrorCode.INVALID_EVENT);
        if (name.isEmpty()) {
            throw new WireException(WireErrorCode.INVALID_EVENT, path + ".name must not be empty", requestId);
        }
        long seq = requireSeq(node, "seqNum", path, requestId, WireErrorCode.INVALID_EVENT);
        long parent = requireSeq(node, "parentSeqNum", path, requestId, WireErrorCode.INVALID_EVENT);
        String clientId = requireText(node, "clientId", path, requestId, WireErrorCode.INVALID_EVENT);
        String sessionId = requireText(node, "sessionId", path, requestId, WireErrorCode.INVALID_EVENT);
        JsonNode args = node.get("args"); // absent stays absent
        JsonNode meta = option(metadata, path + ".metadata", requestId);
        return new Event(EventSeq.ofGlobal(seq), EventSeq.ofGlobal(parent), name, args, clientId, sessionId,
                meta == null ? EventMeta.NONE : new EventMeta(meta));
    }

    /**
     * An event a client pushes: {@link #eventFromWire} plus the text every store keeps exactly. A lone UTF-16
     * surrogate anywhere (name, clientId, sessionId, args keys and strings) has no UTF-8 form, so SQLite and
     * PostgreSQL would store a replacement character and serve back another value than the pusher holds; a NUL
     * character in name, clientId or sessionId cannot be stored by PostgreSQL. Both are refused with
     * {@code invalid-event}, on every endpoint and store alike. (A NUL inside args is kept: args are stored as JSON text
     * where it is a six-character escape sequence.)
     */
    public Event pushedEventFromWire(JsonNode node, String path, String requestId) {
        Event e = eventFromWire(node, null, path, requestId);
        requireStorable(e.name(), path + ".name", true, requestId);
        requireStorable(e.clientId(), path + ".clientId", true, requestId);
        requireStorable(e.sessionId(), path + ".sessionId", true, requestId);
        requireStorableJson(e.args(), path + ".args", requestId);
        return e;
    }

    private static void requireStorableJson(JsonNode node, String path, String requestId) {
        if (node == null) {
            return;
        }
        if (node.isTextual()) {
            requireStorable(node.textValue(), path, false, requestId);
        } else if (node.isObject()) {
            for (var it = node.fields(); it.hasNext();) {
                var field = it.next();
                requireStorable(field.getKey(), path + " key", false, requestId);
                requireStorableJson(field.getValue(), path + "." + field.getKey(), requestId);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                requireStorableJson(node.get(i), path + "[" + i + "]", requestId);
            }
        }
    }

    private static void requireStorable(String text, String path, boolean noNul, String requestId) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            String problem = null;
            if (c == 0 && noNul) {
                problem = "a NUL character (U+0000)";
            } else if (Character.isHighSurrogate(c)) {
                if (i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                    i++;
                } else {
                    problem = "a lone surrogate (\\u" + Integer.toHexString(c) + ")";
                }
            } else if (Character.isLowSurrogate(c)) {
                problem = "a lone surrogate (\\u" + Integer.toHexString(c) + ")";
            }
            if (problem != null) {
                throw new WireException(WireErrorCode.INVALID_EVENT, path + " contains " + problem + " at index " + i
                        + ": it cannot be stored exactly, so it is refused", requestId);
            }
        }
    }

    /** The global wire form of a synced event. */
    public static ObjectNode eventToWire(Event e) {
        ObjectNode node = NODES.objectNode();
        node.put("name", e.name());
        if (!e.args().isMissingNode()) {
            node.set("args", e.args());
        }
        node.put("seqNum", e.seq().global());
        node.put("parentSeqNum", e.parent().global());
        node.put("clientId", e.clientId());
        node.put("sessionId", e.sessionId());
        return node;
    }

    /**
     * The UTF-8 size of {@code e}'s global wire form: what a push frame spends on it (plus one separator between two
     * events) and exactly what a server compares with {@code maxEventBytes}.
     */
    public static int encodedEventBytes(Event e) {
        return utf8Length(eventToWire(e).toString());
    }

    /** UTF-8 length of {@code text} without encoding it (a lone surrogate counts as the 1-byte '?' Java writes). */
    static int utf8Length(CharSequence text) {
        int bytes = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                bytes += 1;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < text.length()
                    && Character.isLowSurrogate(text.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else if (Character.isSurrogate(c)) {
                bytes += 1;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }

    // ------------------------------------------------------------------ helpers

    /** Parses JSON text within the frame-size and depth limits. */
    public JsonNode parseBounded(String text, String requestId) {
        if (text.length() > limits.maxFrameBytes()
                || (text.length() * 3L > limits.maxFrameBytes()
                        && text.getBytes(StandardCharsets.UTF_8).length > limits.maxFrameBytes())) {
            throw new WireException(WireErrorCode.FRAME_TOO_LARGE, "the frame is larger than " + limits.maxFrameBytes()
                    + " bytes (maxFrameBytes)", requestId);
        }
        try {
            JsonNode root = reader.readTree(text);
            if (root == null || root.isMissingNode()) {
                throw new WireException(WireErrorCode.MALFORMED_FRAME, "the frame is empty", requestId);
            }
            return root;
        } catch (StreamConstraintsException e) {
            WireErrorCode code = e.getMessage() != null && e.getMessage().contains("nesting") ? WireErrorCode.TOO_DEEP
                    : WireErrorCode.MALFORMED_FRAME;
            String what = code == WireErrorCode.TOO_DEEP ? "JSON nesting deeper than " + limits.maxJsonDepth()
                    + " (maxJsonDepth)" : "a JSON value breaks a limit: " + e.getOriginalMessage();
            throw new WireException(code, what, requestId);
        } catch (JsonProcessingException e) {
            throw new WireException(WireErrorCode.MALFORMED_FRAME, "not valid JSON: " + e.getOriginalMessage(), requestId);
        }
    }

    private static JsonNode option(JsonNode node, String what, String requestId) {
        if (node == null || node.isNull()) {
            return null;
        }
        String tag = node.isObject() && node.get("_tag") != null ? node.get("_tag").asText() : null;
        if ("None".equals(tag)) {
            return null;
        }
        if ("Some".equals(tag) && node.has("value")) {
            return node.get("value");
        }
        throw new WireException(WireErrorCode.MALFORMED_FRAME, what + " must be {\"_tag\":\"None\"} or {\"_tag\":\"Some\",\"value\":...}",
                requestId);
    }

    private static ObjectNode none() {
        return NODES.objectNode().put("_tag", "None");
    }

    private static ObjectNode some(JsonNode value) {
        ObjectNode node = NODES.objectNode().put("_tag", "Some");
        node.set("value", value);
        return node;
    }

    private static ObjectNode pageInfo(PageInfo info) {
        return switch (info) {
            case PageInfo.NoMore n -> NODES.objectNode().put("_tag", "NoMore");
            case PageInfo.MoreKnown k -> NODES.objectNode().put("_tag", "MoreKnown").put("remaining", k.remaining());
            case PageInfo.MoreUnknown u -> NODES.objectNode().put("_tag", "MoreUnknown");
        };
    }

    private static String requireText(JsonNode node, String member, String what, String requestId) {
        return requireText(node, member, what, requestId, WireErrorCode.MALFORMED_FRAME);
    }

    private static String requireText(JsonNode node, String member, String what, String requestId, WireErrorCode code) {
        JsonNode value = node.get(member);
        if (value == null || !value.isTextual()) {
            throw new WireException(code, what + "." + member + " must be a string", requestId);
        }
        return value.textValue();
    }

    private static String optionalText(JsonNode node, String member, String what, String requestId) {
        JsonNode value = node.get(member);
        if (value == null) {
            return null;
        }
        if (!value.isTextual()) {
            throw new WireException(WireErrorCode.MALFORMED_FRAME, what + "." + member + " must be a string", requestId);
        }
        return value.textValue();
    }

    private static long requireSeq(JsonNode node, String member, String what, String requestId) {
        return requireSeq(node, member, what, requestId, WireErrorCode.MALFORMED_FRAME);
    }

    private static long requireSeq(JsonNode node, String member, String what, String requestId, WireErrorCode code) {
        JsonNode value = node.get(member);
        if (value == null || !value.isIntegralNumber() || !value.canConvertToLong()) {
            throw new WireException(code, what + "." + member + " must be an integer", requestId);
        }
        long n = value.longValue();
        if (n < 0 || n > MAX_SEQ) {
            throw new WireException(code, what + "." + member + " must be in [0, 2^53-1], got " + value, requestId);
        }
        return n;
    }

    private String write(JsonNode node) {
        try {
            return writer.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode a frame: " + e.getMessage(), e);
        }
    }
}
