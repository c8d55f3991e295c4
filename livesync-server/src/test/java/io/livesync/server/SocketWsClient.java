package io.livesync.server;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A WebSocket client on a plain {@link Socket} for tests that need a client which truly does not read: until a test
 * calls {@link #readFrame}, nothing is taken from the socket, so the server's writer backs up once the kernel buffers
 * are full. Text frames only; frames it sends are masked as RFC 6455 requires.
 */
final class SocketWsClient implements AutoCloseable {

    /** A received frame: opcode 1 (text) or 8 (close: {@code text} is the status and reason). */
    record Frame(int opcode, String text) {}

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    private SocketWsClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /** Upgrades {@code path} (with query) on the server; {@code receiveBuffer} sets SO_RCVBUF (small = backs up fast). */
    static SocketWsClient connect(SyncServer server, String pathAndQuery, int receiveBuffer) throws IOException {
        return connect(server.config().host(), server.port(), pathAndQuery, receiveBuffer);
    }

    static SocketWsClient connect(String host, int port, String pathAndQuery, int receiveBuffer) throws IOException {
        Socket s = new Socket();
        if (receiveBuffer > 0) {
            s.setReceiveBufferSize(receiveBuffer);
        }
        s.connect(new java.net.InetSocketAddress(host, port), 10_000);
        s.setSoTimeout(30_000);
        SocketWsClient c = new SocketWsClient(s);
        String key = Base64.getEncoder().encodeToString("livesync-test-key".getBytes(StandardCharsets.US_ASCII));
        c.out.write(("GET " + pathAndQuery + " HTTP/1.1\r\nHost: " + host + ":" + port
                + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key
                + "\r\nSec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        c.out.flush();
        String status = c.readLine();
        if (!status.contains(" 101 ")) {
            s.close();
            throw new IOException("upgrade refused: " + status);
        }
        while (!c.readLine().isEmpty()) {
            // headers
        }
        return c;
    }

    static String storePath(String storeId, String token) {
        return "/sync/" + storeId + "?storeId=" + storeId + "&payload=" + RawClient.payloadParam(token);
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1 && b != '\n') {
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.US_ASCII);
    }

    void sendText(String text) throws IOException {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        frame.write(0x81);
        if (payload.length < 126) {
            frame.write(0x80 | payload.length);
        } else if (payload.length < 65536) {
            frame.write(0x80 | 126);
            frame.write(payload.length >>> 8);
            frame.write(payload.length & 0xff);
        } else {
            frame.write(0x80 | 127);
            for (int i = 7; i >= 0; i--) {
                frame.write((int) ((long) payload.length >>> (8 * i)) & 0xff);
            }
        }
        byte[] mask = {1, 2, 3, 4};
        frame.write(mask);
        for (int i = 0; i < payload.length; i++) {
            frame.write(payload[i] ^ mask[i % 4]);
        }
        out.write(frame.toByteArray());
        out.flush();
    }

    /** Reads the next complete text or close frame (continuations joined; pings and pongs skipped). */
    Frame readFrame() throws IOException {
        ByteArrayOutputStream message = new ByteArrayOutputStream();
        int opcode = -1;
        while (true) {
            int b0 = in.readUnsignedByte();
            int b1 = in.readUnsignedByte();
            long len = b1 & 0x7f;
            if (len == 126) {
                len = in.readUnsignedShort();
            } else if (len == 127) {
                len = in.readLong();
            }
            byte[] payload = new byte[(int) len];
            in.readFully(payload);
            int op = b0 & 0x0f;
            if (op == 9 || op == 10) {
                continue;
            }
            if (op == 8) {
                int status = payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 1005;
                String reason = payload.length > 2 ? new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8)
                        : "";
                return new Frame(8, status + " " + reason);
            }
            if (op != 0) {
                opcode = op;
            }
            message.write(payload);
            if ((b0 & 0x80) != 0) {
                return new Frame(opcode, message.toString(StandardCharsets.UTF_8));
            }
        }
    }

    /** Reads frames until a close frame or the end of the stream; returns them all (the close last, if any). */
    List<Frame> readUntilClosed() {
        List<Frame> frames = new ArrayList<>();
        try {
            while (true) {
                Frame f = readFrame();
                frames.add(f);
                if (f.opcode() == 8) {
                    return frames;
                }
            }
        } catch (IOException e) {
            return frames;
        }
    }

    InputStream input() {
        return in;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
