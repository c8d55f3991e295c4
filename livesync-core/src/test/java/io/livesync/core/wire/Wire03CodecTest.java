package io.livesync.core.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livesync.core.EventSeq;
import io.livesync.core.TestPaths;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The 0.3 codec against frames captured on 2026-12-02 between a real LiveStore 0.3.1 node client
 * ({@code interop/livestore-0.3.1/driver.mjs}) and the livesync server, through
 * {@code interop/livestore-0.3.1/capture-proxy.mjs}: client A pulls, pings and pushes 3 todos; client B pulls them.
 */
class Wire03CodecTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final Wire03Codec codec = new Wire03Codec(new WireCodec(WireLimits.DEFAULT));

    private static List<String> fixture(String name) throws Exception {
        Path file = TestPaths.root().resolve("livesync-core/src/test/resources/wire/" + name);
        return Files.readAllLines(file).stream().filter(l -> !l.isBlank()).toList();
    }

    @Test
    void readsEveryClientFrameOfTheCapturedSession() throws Exception {
        List<Wire03Frames.ClientFrame> frames = fixture("client-frames-03.jsonl").stream()
                .map(codec::parseClientFrame).toList();
        assertThat(frames.get(0)).isEqualTo(new Wire03Frames.PullReq("sdvAlGZFT0L9IyByWXjH_", null));
        assertThat(frames.get(1)).isEqualTo(new Wire03Frames.Ping("ping"));
        Wire03Frames.PushReq push = (Wire03Frames.PushReq) frames.get(2);
        assertThat(push.requestId()).isEqualTo("wbzTe7YPfetp243f77V5z");
        assertThat(push.batch()).hasSize(3);
        assertThat(push.batch().get(0).seq()).isEqualTo(EventSeq.ofGlobal(1));
        assertThat(push.batch().get(2).parent()).isEqualTo(EventSeq.ofGlobal(2));
        assertThat(push.batch().get(1).args().get("text").asText()).isEqualTo("client-A todo 1");
        assertThat(push.batch().get(0).sessionId()).isEqualTo("static");
        assertThat(frames.get(3)).isInstanceOf(Wire03Frames.PullReq.class);
        assertThat(codec.parseClientFrame("{\"_tag\":\"WSMessage.PullReq\",\"requestId\":\"r\",\"cursor\":7}"))
                .isEqualTo(new Wire03Frames.PullReq("r", 7L));
        assertThat(codec.parseClientFrame("{\"_tag\":\"WSMessage.Other\"}"))
                .isEqualTo(new Wire03Frames.Unknown("WSMessage.Other"));
    }

    @Test
    void writesServerFramesExactlyAsCaptured() throws Exception {
        for (String line : fixture("server-frames-03.jsonl")) {
            Wire03Frames.ServerFrame frame = codec.parseServerFrame(line);
            JsonNode expected = JSON.readTree(line);
            assertThat(JSON.readTree(Wire03Codec.encode(frame))).as(line).isEqualTo(expected);
        }
        assertThat(JSON.readTree(Wire03Codec.encode(new Wire03Frames.Error("r1", "Invalid parent event number. "
                + "Received e3 but expected e5")))).isEqualTo(JSON.readTree("{\"_tag\":\"WSMessage.Error\","
                + "\"requestId\":\"r1\",\"message\":\"Invalid parent event number. Received e3 but expected e5\"}"));
    }

    @Test
    void aMalformedPushNamesItsRequestAndAnUnreadableFrameDoesNot() {
        assertThatThrownBy(() -> codec.parseClientFrame("{\"_tag\":\"WSMessage.PushReq\",\"requestId\":\"p1\","
                + "\"batch\":{}}")).isInstanceOfSatisfying(WireException.class, e -> {
                    assertThat(e.code()).isEqualTo(WireErrorCode.MALFORMED_FRAME);
                    assertThat(e.requestId()).isEqualTo("p1");
                    assertThat(e.getMessage()).contains("WSMessage.PushReq.batch");
                });
        assertThatThrownBy(() -> codec.parseClientFrame("{\"_tag\":\"WSMessage.PushReq\",\"requestId\":\"p2\","
                + "\"batch\":[{\"name\":\"v1.X\",\"seqNum\":\"one\"}]}"))
                .isInstanceOfSatisfying(WireException.class, e -> assertThat(e.requestId()).isEqualTo("p2"));
        assertThatThrownBy(() -> codec.parseClientFrame("not json")).isInstanceOfSatisfying(WireException.class,
                e -> assertThat(e.requestId()).isNull());
    }
}
