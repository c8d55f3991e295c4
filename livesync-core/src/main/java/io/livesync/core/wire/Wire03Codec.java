package io.livesync.core.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livesync.core.Event;
import io.livesync.core.wire.Wire03Frames.ClientFrame;
import io.livesync.core.wire.Wire03Frames.ServerFrame;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads and writes LiveStore 0.3 frames ({@link Wire03Frames}) under the same {@link WireLimits} as the 0.4 codec,
 * whose event decoding it shares. A 0.3 server only ever writes server frames and reads client frames; the other
 * directions exist for tests and fixtures.
 */
public final class Wire03Codec {

    private final WireCodec codec;

    public Wire03Codec(WireCodec codec) {
        this.codec = java.util.Objects.requireNonNull(codec, "codec");
    }

    /**
     * Reads one client frame.
     *
     * @throws WireException when the frame is not JSON or breaks a limit ({@link WireException#requestId()} null: the
     *     socket is closed), or when a push's batch is malformed (request id set: the push is answered with an error)
     */
    public ClientFrame parseClientFrame(String text) {
        JsonNode frame = codec.parseBounded(text, null);
        String tag = frame.path("_tag").asText();
        String requestId = frame.path("requestId").asText("");
        return switch (tag) {
            case "WSMessage.Ping" -> new Wire03Frames.Ping(requestId);
            case "WSMessage.PullReq" -> new Wire03Frames.PullReq(requestId,
                    frame.path("cursor").isIntegralNumber() ? frame.get("cursor").asLong() : null);
            case "WSMessage.PushReq" -> new Wire03Frames.PushReq(requestId, batch(frame.path("batch"), requestId));
            default -> new Wire03Frames.Unknown(tag);
        };
    }

    private List<Event> batch(JsonNode batchNode, String requestId) {
        int max = codec.limits().maxEventsPerPush();
        if (!batchNode.isArray() || batchNode.size() > max) {
            throw new WireException(WireErrorCode.MALFORMED_FRAME, "WSMessage.PushReq.batch must be an array of at most "
                    + max + " events", requestId);
        }
        List<Event> batch = new ArrayList<>(batchNode.size());
        for (int i = 0; i < batchNode.size(); i++) {
            batch.add(codec.pushedEventFromWire(batchNode.get(i), "batch[" + i + "]", requestId));
        }
        return batch;
    }

    /** Writes one server frame. */
    public static String encode(ServerFrame frame) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        switch (frame) {
            case Wire03Frames.Pong pong -> root.put("_tag", "WSMessage.Pong").put("requestId", pong.requestId());
            case Wire03Frames.PushAck ack -> root.put("_tag", "WSMessage.PushAck").put("requestId", ack.requestId());
            case Wire03Frames.Error error -> root.put("_tag", "WSMessage.Error").put("requestId", error.requestId())
                    .put("message", error.message());
            case Wire03Frames.PullRes res -> {
                root.put("_tag", "WSMessage.PullRes");
                ArrayNode batch = root.putArray("batch");
                for (Event e : res.batch()) {
                    ObjectNode item = batch.addObject();
                    item.set("eventEncoded", WireCodec.eventToWire(e));
                    JsonNode meta = e.meta() == null ? null : e.meta().syncMetadata();
                    if (meta != null && meta.has("createdAt")) {
                        item.putObject("metadata").put("_tag", "Some").putObject("value")
                                .put("createdAt", meta.get("createdAt").asText());
                    } else {
                        item.putObject("metadata").put("_tag", "None");
                    }
                }
                root.putObject("requestId").put("context", res.context()).put("requestId", res.requestId());
                root.put("remaining", res.remaining());
            }
        }
        return root.toString();
    }

    /** Reads a server frame (tests and fixtures: what a 0.3 client would read). */
    public ServerFrame parseServerFrame(String text) {
        JsonNode frame = codec.parseBounded(text, null);
        return switch (frame.path("_tag").asText()) {
            case "WSMessage.Pong" -> new Wire03Frames.Pong(frame.path("requestId").asText());
            case "WSMessage.PushAck" -> new Wire03Frames.PushAck(frame.path("requestId").asText());
            case "WSMessage.Error" -> new Wire03Frames.Error(frame.path("requestId").asText(),
                    frame.path("message").asText());
            case "WSMessage.PullRes" -> {
                List<Event> batch = new ArrayList<>();
                JsonNode items = frame.path("batch");
                for (int i = 0; i < items.size(); i++) {
                    JsonNode item = items.get(i);
                    Event e = codec.pushedEventFromWire(item.path("eventEncoded"), "batch[" + i + "]", null);
                    JsonNode value = item.path("metadata").path("value");
                    if (value.has("createdAt")) {
                        e = e.withMeta(new io.livesync.core.EventMeta(JsonNodeFactory.instance.objectNode()
                                .put("_tag", "SyncMessage.SyncMetadata")
                                .put("createdAt", value.get("createdAt").asText())));
                    }
                    batch.add(e);
                }
                yield new Wire03Frames.PullRes(batch, frame.path("remaining").asLong(),
                        frame.path("requestId").path("context").asText(),
                        frame.path("requestId").path("requestId").asText());
            }
            default -> throw new WireException(WireErrorCode.UNSUPPORTED_REQUEST, "not a 0.3 server frame: "
                    + frame.path("_tag").asText(), null);
        };
    }
}
