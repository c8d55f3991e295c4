package io.livesync.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #12 items E and 8: an HTTP push with a chunked body (no Content-Length) was read whole before the size check
 * (a 300 MiB body took the heap from 131 MB to 1 GB). The server must answer 413 once the body passes maxFrameBytes
 * (1 MiB), while the client is still sending: here, before the client has written 16 MiB of a 64 MiB body.
 */
class ChunkedHttpPushIsBoundedWhileReadingTest {

    @Test
    void aChunkedBodyOverTheLimitIsRefusedWhileItIsStillArriving(@TempDir Path dir) throws Exception {
        try (SyncServer server = ServerFixture.sqlite(dir);
                Socket socket = new Socket(server.config().host(), server.port())) {
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write(("POST /sync/c/push HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer secret\r\n"
                    + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = new byte[64 * 1024];
            java.util.Arrays.fill(chunk, (byte) ' ');
            byte[] header = (Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
            long written = 0;
            try {
                while (written < (64L << 20) && in.available() == 0) {
                    out.write(header);
                    out.write(chunk);
                    out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                    written += chunk.length;
                }
                if (in.available() == 0) {
                    out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                }
                out.flush();
            } catch (IOException serverStoppedReading) {
                // the server answered and closed while we were still sending: what it should do
            }
            String status = readLine(in);
            assertThat(status).contains(" 413 ");
            assertThat(written).as("bytes sent before the answer").isLessThan(16L << 20);
        }
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1 && b != '\n') {
            line.write(b);
        }
        return line.toString(StandardCharsets.US_ASCII);
    }
}
