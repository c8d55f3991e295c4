package io.livesync.server;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A SQLite sync server in a child JVM with a bounded heap, for tests about memory: {@link #main} starts it and prints
 * {@code PORT n}; it stops when its standard input closes. The parent talks to it over real sockets.
 */
final class ChildServer implements AutoCloseable {

    static final String ADMIN_TOKEN = "child-admin-token-0123456789";

    final Process process;
    final int port;
    final Path dir;

    private ChildServer(Process process, int port, Path dir) {
        this.process = process;
        this.port = port;
        this.dir = dir;
    }

    static ChildServer start(Path dir, String maxHeap) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + maxHeap, "-cp", System.getProperty("java.class.path"), ChildServer.class.getName(),
                dir.toString()));
        Process p = new ProcessBuilder(cmd).redirectError(dir.resolve("child-stderr.log").toFile()).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null) {
            if (line.startsWith("PORT ")) {
                return new ChildServer(p, Integer.parseInt(line.substring(5).strip()), dir);
            }
        }
        throw new IOException("the child server did not start; see " + dir.resolve("child-stderr.log"));
    }

    @Override
    public void close() throws Exception {
        process.getOutputStream().close();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        SyncServer server = SyncServer.start(ServerConfig.builder().port(0).dataDir(dir.resolve("data"))
                .tokens(Map.of("*", "secret")).adminToken(ADMIN_TOKEN).logFile(dir.resolve("server.log")).build());
        System.out.println("PORT " + server.port());
        System.out.flush();
        while (System.in.read() != -1) {
            // until the parent closes our stdin
        }
        server.close();
        System.exit(0);
    }
}
