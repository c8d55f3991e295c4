package io.livesync.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A real LiveStore 0.4 node client ({@code interop/livestore-node/driver.mjs}) driven over stdin/stdout. */
public final class LiveStoreDriver implements NodeSync.Controlled {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final String name;
    private final Process process;
    private final StringBuilder clientOutput = new StringBuilder();
    private final BufferedWriter in;
    private final BufferedReader out;

    /** The driver folder: {@code livesync.root} (set by the build for tests) or the current folder's. */
    static Path driverDir() {
        return driverDir("interop/livestore-node");
    }

    /** A driver folder relative to the repository root ({@code livesync.root}, else the current folder). */
    static Path driverDir(String relative) {
        String root = System.getProperty("livesync.root");
        Path dir = (root != null ? Path.of(root) : Path.of("").toAbsolutePath()).resolve(relative);
        if (!Files.isDirectory(dir.resolve("node_modules/@livestore/livestore"))) {
            install(dir);
        }
        return dir;
    }

    /**
     * Makes sure the driver in {@code relative} (e.g. {@code interop/livestore-0.3.1}) is installed, running
     * {@code npm ci} if needed. @throws DriverNotInstalledException with one line saying what to do
     */
    public static Path ensureInstalled(String relative) {
        return driverDir(relative);
    }

    /** The LiveStore driver folder has no {@code node_modules} and {@code npm ci} could not install them. */
    public static final class DriverNotInstalledException extends IllegalStateException {
        DriverNotInstalledException(String message) {
            super(message);
        }
    }

    private static final java.util.concurrent.locks.ReentrantLock INSTALL = new java.util.concurrent.locks.ReentrantLock();

    /** Runs {@code npm ci} in {@code dir} (as ./test does), once per folder; one clear error if it cannot. */
    private static void install(Path dir) {
        INSTALL.lock();
        try {
            if (Files.isDirectory(dir.resolve("node_modules/@livestore/livestore"))) {
                return;
            }
            if (!Files.isRegularFile(dir.resolve("package-lock.json"))) {
                throw new DriverNotInstalledException("no LiveStore driver in " + dir + " (run from the repository root)");
            }
            System.err.println("livesync: installing the LiveStore driver in " + dir + " (npm ci) ...");
            int exit;
            try {
                Process npm = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
                        .directory(dir.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
                exit = npm.waitFor();
            } catch (IOException e) {
                throw new DriverNotInstalledException("the LiveStore driver is not installed and npm is missing: "
                        + "install Node.js 20+ and run `npm ci` in " + dir);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DriverNotInstalledException("interrupted while installing the LiveStore driver in " + dir);
            }
            if (exit != 0 || !Files.isDirectory(dir.resolve("node_modules/@livestore/livestore"))) {
                throw new DriverNotInstalledException("the LiveStore driver is not installed: `npm ci` in " + dir
                        + " failed (exit " + exit + "); is the npm registry reachable?");
            }
        } finally {
            INSTALL.unlock();
        }
    }

    public LiveStoreDriver(String url, String storeId, String clientId, String token, String storage, Path stderr)
            throws IOException {
        this(url, storeId, clientId, token, storage, stderr, "interop/livestore-node");
    }

    /** A driver from another folder (e.g. {@code interop/livestore-0.3.1}). */
    public LiveStoreDriver(String url, String storeId, String clientId, String token, String storage, Path stderr,
            String driverFolder) throws IOException {
        this.name = clientId;
        List<String> cmd = new ArrayList<>(List.of("node", "driver.mjs", "--url", url, "--store", storeId, "--client",
                clientId, "--storage", storage));
        if (token != null) {
            cmd.add("--token");
            cmd.add(token);
        }
        process = new ProcessBuilder(cmd).directory(driverDir(driverFolder).toFile()).redirectError(stderr.toFile())
                .start();
        in = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
        out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    @Override
    public String name() {
        return name;
    }

    /** The LiveStore driver cannot compute livesync's log and state digests. */
    @Override
    public boolean reportsDigests() {
        return false;
    }

    /**
     * One command at a time: a benchmark may poll the driver while another thread waits for its create command, and
     * two commands written at once would interleave on its stdin.
     */
    @Override
    public JsonNode call(String json) throws IOException {
        callLock.lock();
        try {
            return callLocked(json);
        } finally {
            callLock.unlock();
        }
    }

    private final java.util.concurrent.locks.ReentrantLock callLock = new java.util.concurrent.locks.ReentrantLock();

    private JsonNode callLocked(String json) throws IOException {
        in.write(json);
        in.write('\n');
        in.flush();
        JsonNode reply = null;
        while (reply == null) {
            String line = out.readLine();
            if (line == null) {
                throw new IOException("the LiveStore driver exited (no reply to " + json + ")");
            }
            // LiveStore itself logs to stdout at times (e.g. around ServerAhead and rebases): skip non-replies
            if (line.startsWith("{\"ok\"")) {
                reply = JSON.readTree(line);
            } else {
                clientOutput.append(line).append('\n');
            }
        }
        if (!reply.path("ok").asBoolean()) {
            throw new IOException("the LiveStore driver failed: " + reply);
        }
        return reply;
    }

    public JsonNode create(int count, int batch) throws IOException {
        return call("{\"cmd\":\"create\",\"count\":" + count + ",\"batch\":" + batch + "}");
    }

    public JsonNode waitFor(int count, long timeoutMs) throws IOException {
        return call("{\"cmd\":\"wait\",\"count\":" + count + ",\"timeoutMs\":" + timeoutMs + "}");
    }

    public JsonNode status() throws IOException {
        return call("{\"cmd\":\"status\"}");
    }

    /** What the LiveStore client itself printed on stdout so far (read along with replies). */
    public String clientOutput() {
        return clientOutput.toString();
    }

    @Override
    public boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public Integer exitCode() {
        return process.isAlive() ? null : process.exitValue();
    }

    @Override
    public void close() {
        NodeSync.Controlled.shutdown(this, process, 15);
    }
}
