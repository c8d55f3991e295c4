package io.livesync.server;

import io.livesync.hub.EventStore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livesync.core.Event;
import io.livesync.core.EventMeta;
import io.livesync.core.wire.WireCodec;
import io.livesync.core.wire.WireException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * A store's log as JSON lines, the format of export and import: one event per line, the pushed-event shape of the
 * wire ({@code name, args, seqNum, parentSeqNum, clientId, sessionId}) plus {@code createdAt}, ascending from seqNum 1.
 * {@link #line} writes one; {@link #reader} reads a stream of them lazily, each line bounded and checked exactly as a
 * pushed event is (so an import can hold no event a push could not), throwing {@link EventStore.ImportProblem}.
 */
final class ExportFormat {

    private ExportFormat() {}

    /** One line (without the newline). */
    static String line(Event e) {
        ObjectNode node = WireCodec.eventToWire(e);
        JsonNode meta = e.meta().syncMetadata();
        if (meta != null && meta.path("createdAt").isTextual()) {
            node.set("createdAt", meta.get("createdAt"));
        }
        return node.toString();
    }

    /** Reads events from {@code in} (UTF-8), one per line; blank lines are skipped; lines over the frame limit fail. */
    static Iterator<Event> reader(InputStream in, WireCodec codec, int maxLineChars) {
        Reader reader = new InputStreamReader(in, StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT));
        return new Iterator<>() {
            private final StringBuilder buf = new StringBuilder();
            private long lineNo;
            private Event next;
            private boolean done;

            @Override
            public boolean hasNext() {
                while (next == null && !done) {
                    String text = readLine();
                    if (text == null) {
                        done = true;
                    } else if (!text.isBlank()) {
                        next = parse(text);
                    }
                }
                return next != null;
            }

            @Override
            public Event next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                Event e = next;
                next = null;
                return e;
            }

            private String readLine() {
                buf.setLength(0);
                lineNo++;
                try {
                    int c;
                    while ((c = reader.read()) != -1 && c != '\n') {
                        if (buf.length() >= maxLineChars) {
                            throw new EventStore.ImportProblem("frame-too-large", "line " + lineNo + " is longer than "
                                    + maxLineChars + " characters (maxFrameBytes)");
                        }
                        buf.append((char) c);
                    }
                    if (c == -1 && buf.isEmpty()) {
                        return null;
                    }
                } catch (IOException e) {
                    throw new EventStore.ImportProblem("malformed-frame", "line " + lineNo + " cannot be read: "
                            + (e instanceof java.nio.charset.CharacterCodingException ? "not UTF-8" : e.getMessage()));
                }
                int end = buf.length() > 0 && buf.charAt(buf.length() - 1) == '\r' ? buf.length() - 1 : buf.length();
                return buf.substring(0, end);
            }

            private Event parse(String text) {
                String where = "line " + lineNo;
                try {
                    JsonNode node = codec.parseBounded(text, null);
                    if (!node.isObject()) {
                        throw new EventStore.ImportProblem("malformed-frame", where + " is not a JSON object");
                    }
                    Event e = codec.pushedEventFromWire(node, where, null);
                    JsonNode createdAt = node.get("createdAt");
                    if (createdAt == null) {
                        return e;
                    }
                    if (!createdAt.isTextual()) {
                        throw new EventStore.ImportProblem("invalid-event", where + ".createdAt must be an ISO-8601 instant");
                    }
                    Instant.parse(createdAt.textValue());
                    return new Event(e.seq(), e.parent(), e.name(), e.args(), e.clientId(), e.sessionId(),
                            new EventMeta(JsonNodeFactory.instance.objectNode().put("_tag", "SyncMessage.SyncMetadata")
                                    .put("createdAt", createdAt.textValue())));
                } catch (WireException e) {
                    throw new EventStore.ImportProblem(e.code().wireName(), where + ": " + e.getMessage());
                } catch (DateTimeParseException e) {
                    throw new EventStore.ImportProblem("invalid-event", where + ".createdAt must be an ISO-8601 instant");
                }
            }
        };
    }
}
