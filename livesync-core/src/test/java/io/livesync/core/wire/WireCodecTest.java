package io.livesync.core.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livesync.core.EventSeq;
import io.livesync.core.PageInfo;
import io.livesync.core.TestPaths;
import io.livesync.core.wire.WireFrames.ClientFrame;
import io.livesync.core.wire.WireFrames.ServerFrame;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** The codec against frames captured from a real LiveStore 0.4.0 client (LIVESTORE-WS-PROTOCOL.md), no socket. */
class WireCodecTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final WireCodec codec = new WireCodec(WireLimits.DEFAULT);

    private static List<String> fixture(String name) throws Exception {
        Path file = TestPaths.root().resolve("livesync-core/src/test/resources/wire/" + name);
        return Files.readAllLines(file).stream().filter(l -> !l.isBlank()).toList();
    }

    @Test
    void readsEveryClientFrameOfTheCapturedSession() throws Exception {
        List<ClientFrame> frames = fixture("client-frames.jsonl").stream().map(codec::parseClientFrame).toList();
        assertThat(frames.get(0)).isInstanceOf(WireFrames.Ping.class);
        WireFrames.PullRequest fresh = (WireFrames.PullRequest) frames.get(1);
        assertThat(fresh.id()).isEqualTo("0");
        assertThat(fresh.storeId()).isEqualTo("proto-store-1");
        assertThat(fresh.live()).isTrue();
        assertThat(fresh.cursor()).isNull();
        assertThat(fresh.syncPayload().get("authToken").asText()).isEqualTo("insecure-token-change-me");
        WireFrames.PullRequest restart = (WireFrames.PullRequest) frames.get(2);
        assertThat(restart.cursor()).isEqualTo(2);
        assertThat(restart.cursorBackendId()).isEqualTo("fake-backend-1");
        WireFrames.PushRequest push = (WireFrames.PushRequest) frames.get(3);
        assertThat(push.backendId()).isEqualTo("fake-backend-1");
        assertThat(push.batch()).hasSize(2);
        assertThat(push.batch().get(0).seq()).isEqualTo(EventSeq.ofGlobal(3));
        assertThat(push.batch().get(0).parent()).isEqualTo(EventSeq.ofGlobal(2));
        assertThat(push.batch().get(1).args().get("text").asText()).isEqualTo("hello 1");
        assertThat(frames.get(4)).isEqualTo(new WireFrames.Ack("0"));
        assertThat(frames.get(5)).isEqualTo(new WireFrames.Interrupt("3"));
        assertThat(((WireFrames.PullRequest) frames.get(6)).syncPayload()).as("no payload when auth is off").isNull();
        assertThat(frames.get(7)).isEqualTo(new WireFrames.Unknown("Eof"));
    }

    @Test
    void writesServerFramesExactlyAsCaptured() throws Exception {
        for (String line : fixture("server-frames.jsonl")) {
            ServerFrame frame = codec.parseServerFrame(line);
            JsonNode expected = JSON.readTree(line);
            JsonNode actual = JSON.readTree(codec.encode(frame));
            assertThat(actual).as(line).isEqualTo(expected);
        }
    }

    @Test
    void clientFramesRoundTrip() throws Exception {
        for (String line : fixture("client-frames.jsonl")) {
            ClientFrame frame = codec.parseClientFrame(line);
            assertThat(codec.parseClientFrame(codec.encode(frame))).as(line).isEqualTo(frame);
        }
    }

    @Test
    void absentArgsStayAbsentAndNullStaysNull() {
        String push = "{\"_tag\":\"Request\",\"id\":\"1\",\"tag\":\"SyncWsRpc.Push\",\"payload\":{\"storeId\":\"s\","
                + "\"batch\":[{\"name\":\"a\",\"seqNum\":1,\"parentSeqNum\":0,\"clientId\":\"c\",\"sessionId\":\"s\"},"
                + "{\"name\":\"a\",\"args\":null,\"seqNum\":2,\"parentSeqNum\":1,\"clientId\":\"c\",\"sessionId\":\"s\"}],"
                + "\"backendId\":{\"_tag\":\"None\"}}}";
        WireFrames.PushRequest request = (WireFrames.PushRequest) codec.parseClientFrame(push);
        assertThat(WireCodec.eventToWire(request.batch().get(0)).has("args")).isFalse();
        assertThat(WireCodec.eventToWire(request.batch().get(1)).get("args").isNull()).isTrue();
    }

    @Test
    void pagesCarryTheirPageInfo() {
        WireFrames.Chunk chunk = new WireFrames.Chunk("0", List.of(new WireFrames.PullResponse(List.of(),
                new PageInfo.MoreKnown(20), "b")));
        assertThat(codec.encode(chunk)).contains("{\"_tag\":\"MoreKnown\",\"remaining\":20}");
        assertThatThrownBy(() -> new WireFrames.Chunk("0", List.of())).hasMessageContaining("at least one");
    }

    @TestFactory
    Stream<DynamicTest> malformedFramesGetTypedErrors() throws Exception {
        return fixture("malformed-client-frames.txt").stream().map(line -> {
            String[] parts = line.split("\t");
            return DynamicTest.dynamicTest(parts[0], () -> assertThatThrownBy(() -> codec.parseClientFrame(parts[1]))
                    .isInstanceOfSatisfying(WireException.class, e -> assertThat(e.code().wireName()).isEqualTo(parts[2])));
        });
    }

    @Test
    void limitsAreEnforcedAndNamed() {
        WireCodec small = new WireCodec(new WireLimits(4096, 2, 256, 16));
        String deep = "{\"_tag\":\"Ping\",\"x\":" + "[".repeat(40) + "]".repeat(40) + "}";
        assertThatThrownBy(() -> small.parseClientFrame(deep)).isInstanceOfSatisfying(WireException.class,
                e -> assertThat(e.code()).isEqualTo(WireErrorCode.TOO_DEEP));
        assertThatThrownBy(() -> small.parseClientFrame("{\"_tag\":\"Ping\",\"pad\":\"" + "x".repeat(5000) + "\"}"))
                .isInstanceOfSatisfying(WireException.class, e -> {
                    assertThat(e.code()).isEqualTo(WireErrorCode.FRAME_TOO_LARGE);
                    assertThat(e.getMessage()).contains("maxFrameBytes");
                });
        String event = "{\"name\":\"a\",\"seqNum\":%d,\"parentSeqNum\":%d,\"clientId\":\"c\",\"sessionId\":\"s\"}";
        String three = "{\"_tag\":\"Request\",\"id\":\"7\",\"tag\":\"SyncWsRpc.Push\",\"payload\":{\"storeId\":\"s\","
                + "\"batch\":[" + event.formatted(1, 0) + "," + event.formatted(2, 1) + "," + event.formatted(3, 2)
                + "],\"backendId\":{\"_tag\":\"None\"}}}";
        assertThatThrownBy(() -> small.parseClientFrame(three)).isInstanceOfSatisfying(WireException.class, e -> {
            assertThat(e.code()).isEqualTo(WireErrorCode.TOO_MANY_EVENTS);
            assertThat(e.requestId()).isEqualTo("7");
            assertThat(e.getMessage()).contains("maxEventsPerPush");
        });
        String big = "{\"_tag\":\"Request\",\"id\":\"8\",\"tag\":\"SyncWsRpc.Push\",\"payload\":{\"storeId\":\"s\","
                + "\"batch\":[{\"name\":\"a\",\"args\":\"" + "y".repeat(300) + "\",\"seqNum\":1,\"parentSeqNum\":0,"
                + "\"clientId\":\"c\",\"sessionId\":\"s\"}],\"backendId\":{\"_tag\":\"None\"}}}";
        assertThatThrownBy(() -> small.parseClientFrame(big)).isInstanceOfSatisfying(WireException.class,
                e -> assertThat(e.code()).isEqualTo(WireErrorCode.EVENT_TOO_LARGE));
        assertThatThrownBy(() -> new WireLimits(10, 1, 64, 8)).hasMessageContaining("maxFrameBytes");
    }
}
