package io.livesync.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/** A child JVM running {@link NodeClientMain}, and its control channel (one command, one reply, at a time). */
final class NodeProcess implements NodeSync.Controlled {

    private static final ObjectMapper JSON = new ObjectMapper();

    final String name;
    private final Process process;
    private final BufferedWriter stdin;
    private final BufferedReader stdout;
    private final ReentrantLock lock = new ReentrantLock();

    private NodeProcess(String name, Process process) {
        this.name = name;
        this.process = process;
        this.stdin = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
        this.stdout = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    static NodeProcess start(String name, Map<String, String> options, Path stderrFile, Map<String, String> env)
            throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("--enable-native-access=ALL-UNNAMED");
        command.add("-Xmx512m");
        String aotCache = System.getProperty("livesync.aotCache");
        if (aotCache != null) { // the launcher's start-up cache: same jar, same class path (ignored if it does not fit)
            command.add("-XX:AOTCache=" + aotCache);
            command.add("-Xlog:aot=off");
            command.add("-Xlog:cds=off");
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(NodeClientMain.class.getName());
        options.forEach((k, v) -> {
            command.add("--" + k);
            command.add(v);
        });
        ProcessBuilder pb = new ProcessBuilder(command).redirectError(stderrFile.toFile());
        pb.environment().putAll(env);
        return new NodeProcess(name, pb.start());
    }

    /** Sends one command and waits for its reply. @throws IOException if the process is gone */
    @Override
    public JsonNode call(String json) throws IOException {
        lock.lock();
        try {
            if (!process.isAlive()) {
                throw new IOException(name + " exited early with code " + process.exitValue());
            }
            stdin.write(json);
            stdin.write('\n');
            stdin.flush();
            String line = stdout.readLine();
            if (line == null) {
                throw new IOException(name + " exited early (no reply to " + json + ")");
            }
            return JSON.readTree(line);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String name() {
        return name;
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
    public boolean reportsDigests() {
        return true;
    }

    @Override
    public void close() {
        NodeSync.Controlled.shutdown(this, process, 10);
    }
}
