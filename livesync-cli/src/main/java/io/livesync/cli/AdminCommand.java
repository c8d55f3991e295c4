package io.livesync.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.Reader;
import java.io.Writer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.Flow;
import java.util.function.LongConsumer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code livesync admin stores|export|import|delete|reset}: the server's admin API ({@code /admin/v1/...}) from the
 * command line, with the admin token (or a JWT with the admin claim). Export and import stream: any size, constant
 * memory. A refusal is one line naming the server's error code.
 */
@Command(name = "admin", mixinStandardHelpOptions = true,
        description = "Operate a running server: list, export (backup), import (restore), delete or reset stores.",
        subcommands = {AdminCommand.Stores.class, AdminCommand.Export.class, AdminCommand.Import.class,
            AdminCommand.Delete.class, AdminCommand.Reset.class})
public final class AdminCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The options every admin subcommand takes. */
    static final class Target {
        @Option(names = "--server", required = true, description = "the server's HTTP URL, e.g. http://127.0.0.1:8787")
        URI server;

        @Option(names = "--token", description = "the admin token or an admin JWT; else LIVESYNC_ADMIN_TOKEN")
        String token;

        private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        private static final ObjectMapper JSON = new ObjectMapper();

        <T> HttpResponse<T> send(String method, String path, HttpRequest.BodyPublisher body,
                HttpResponse.BodyHandler<T> handler) throws IOException, InterruptedException {
            String t = token != null ? token : System.getenv("LIVESYNC_ADMIN_TOKEN");
            if (t == null || t.isBlank()) {
                throw new IllegalArgumentException("no admin token: give --token T or set LIVESYNC_ADMIN_TOKEN");
            }
            if (server.getScheme() == null || !server.getScheme().matches("https?")) {
                throw new IllegalArgumentException("--server must be an http:// or https:// URL, got " + server);
            }
            URI uri = URI.create(server.toString().replaceAll("/+$", "") + path);
            try {
                return HTTP.send(HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + t.strip())
                        .method(method, body).build(), handler);
            } catch (java.net.ConnectException e) {
                throw new IllegalArgumentException("cannot connect to " + server + " (is the server running?)");
            }
        }

        /** Throws a one-line error for a non-2xx answer ({@code code: message} of the server's JSON). */
        static void check(int status, String body) {
            if (status / 100 == 2) {
                return;
            }
            String detail = body;
            try {
                JsonNode node = JSON.readTree(body);
                detail = node.path("code").asText("error") + ": " + node.path("message").asText("");
            } catch (IOException | RuntimeException e) {
                // not JSON: show it as it is
            }
            throw new IllegalArgumentException("the server answered " + status + " " + detail.strip());
        }

        static String storePath(String storeId, String verb) {
            return "/admin/v1/stores/" + java.net.URLEncoder.encode(storeId, StandardCharsets.UTF_8)
                    + (verb == null ? "" : "/" + verb);
        }
    }

    @Command(name = "stores", mixinStandardHelpOptions = true, description = "List stores: head, events, bytes, last push.")
    static final class Stores implements Callable<Integer> {
        @Mixin
        Target target;

        @Option(names = "--json", description = "print the server's JSON answer")
        boolean json;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            HttpResponse<String> r = target.send("GET", "/admin/v1/stores", HttpRequest.BodyPublishers.noBody(),
                    HttpResponse.BodyHandlers.ofString());
            Target.check(r.statusCode(), r.body());
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                out.println(r.body());
            } else {
                out.printf("%-32s %10s %10s %12s  %-24s  %s%n", "store", "head", "events", "bytes", "last push",
                        "backend id");
                for (JsonNode s : Target.JSON.readTree(r.body()).path("stores")) {
                    out.printf("%-32s %10d %10d %12d  %-24s  %s%n", s.path("storeId").asText(), s.path("head").asLong(),
                            s.path("events").asLong(), s.path("bytes").asLong(),
                            s.path("lastPushAt").isNull() ? "-" : s.path("lastPushAt").asText(),
                            s.path("backendId").asText());
                }
            }
            out.flush();
            return 0;
        }
    }

    @Command(name = "export", mixinStandardHelpOptions = true,
            description = "Write a store's log as JSON lines (a backup), to --out or stdout.")
    static final class Export implements Callable<Integer> {
        @Mixin
        Target target;

        @Parameters(index = "0", description = "the store id")
        String storeId;

        @Option(names = "--out", description = "the file to write (default: stdout)")
        Path out;

        @Option(names = "--quiet", description = "no progress line (it is drawn on the error output only when that is a "
                + "terminal); the summary stays")
        boolean quiet;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            HttpResponse<InputStream> r = target.send("GET", Target.storePath(storeId, "export"),
                    HttpRequest.BodyPublishers.noBody(), HttpResponse.BodyHandlers.ofInputStream());
            PrintWriter err = spec.commandLine().getErr();
            try (InputStream in = r.body()) {
                if (r.statusCode() != 200) {
                    Target.check(r.statusCode(), new String(in.readAllBytes(), StandardCharsets.UTF_8));
                }
                String head = r.headers().firstValue("Livesync-Head").orElse("?");
                // to stdout on a terminal, the events themselves scroll by: no progress line over them
                Progress progress = Progress.of(err, Progress.shouldDraw(quiet)
                        && (out != null || System.console() == null), "events");
                try {
                    progress.total(Long.parseLong(head)); // events are numbered from 1 without gaps
                } catch (NumberFormatException e) {
                    progress.total(0);
                }
                progress.update(0);
                long lines = 0;
                boolean endsWithNewline = true;
                // one copy loop for both targets: a file written through a temporary (moved into place when whole),
                // or standard output
                Path tmp = out == null ? null : out.resolveSibling(out.getFileName() + ".part");
                Writer w = tmp == null ? spec.commandLine().getOut()
                        : Files.newBufferedWriter(tmp, StandardCharsets.UTF_8);
                try {
                    Reader reader = new InputStreamReader(in, StandardCharsets.UTF_8);
                    char[] buf = new char[16 * 1024];
                    int n;
                    while ((n = reader.read(buf)) != -1) {
                        w.write(buf, 0, n);
                        for (int i = 0; i < n; i++) {
                            lines += buf[i] == '\n' ? 1 : 0;
                        }
                        endsWithNewline = buf[n - 1] == '\n';
                        progress.update(lines);
                    }
                    w.flush();
                } finally {
                    if (tmp != null) {
                        w.close();
                    }
                }
                if (tmp != null) {
                    Files.move(tmp, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
                lines += endsWithNewline ? 0 : 1;
                progress.update(lines);
                progress.clear();
                // the summary goes to the error output; when the events went to stdout, only if that error output is
                // a terminal, so that "export S > f 2>&1" leaves a clean backup
                if (out != null || Progress.stderrIsTerminal()) {
                    err.println("exported " + lines + " events of " + storeId + (out != null ? " to " + out : "")
                            + " in " + progress.elapsed() + " (server head " + head + ")");
                    err.flush();
                }
            }
            return 0;
        }
    }

    @Command(name = "import", mixinStandardHelpOptions = true,
            description = "Load a JSON-lines export into an EMPTY store (a restore): all or nothing.")
    static final class Import implements Callable<Integer> {
        @Mixin
        Target target;

        @Parameters(index = "0", description = "the store id (must be empty)")
        String storeId;

        @Parameters(index = "1", description = "the JSON-lines file (from livesync admin export)")
        Path file;

        @Option(names = "--quiet", description = "no progress line (it is drawn on the error output only when that is a "
                + "terminal); the summary stays")
        boolean quiet;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if (!Files.isReadable(file)) {
                throw new java.nio.file.NoSuchFileException(file.toString());
            }
            long size = Files.size(file);
            Progress progress = Progress.ofBytes(spec.commandLine().getErr(), Progress.shouldDraw(quiet));
            progress.total(size);
            progress.update(0);
            HttpResponse<String> r;
            try {
                r = target.send("POST", Target.storePath(storeId, "import"), counting(
                        HttpRequest.BodyPublishers.ofFile(file), sent -> {
                            progress.update(sent);
                            if (sent >= size) {
                                progress.status(String.format("uploaded %.1f MB; the server checks the chain and commits"
                                        + " (one transaction) ...", size / 1e6));
                            }
                        }), HttpResponse.BodyHandlers.ofString());
            } finally {
                progress.clear();
            }
            Target.check(r.statusCode(), r.body());
            JsonNode answer = Target.JSON.readTree(r.body());
            spec.commandLine().getOut().println("imported " + answer.path("head").asLong() + " events into "
                    + storeId + " in " + progress.elapsed() + " (backend id " + answer.path("backendId").asText() + ")");
            spec.commandLine().getOut().flush();
            return 0;
        }

        /** {@code inner}, reporting the bytes handed to the HTTP client so far. */
        static HttpRequest.BodyPublisher counting(HttpRequest.BodyPublisher inner, LongConsumer sent) {
            return new HttpRequest.BodyPublisher() {
                @Override
                public long contentLength() {
                    return inner.contentLength();
                }

                @Override
                public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
                    inner.subscribe(new Flow.Subscriber<ByteBuffer>() {
                        private long total;

                        @Override
                        public void onSubscribe(Flow.Subscription subscription) {
                            subscriber.onSubscribe(subscription);
                        }

                        @Override
                        public void onNext(ByteBuffer item) {
                            total += item.remaining();
                            sent.accept(total);
                            subscriber.onNext(item);
                        }

                        @Override
                        public void onError(Throwable throwable) {
                            subscriber.onError(throwable);
                        }

                        @Override
                        public void onComplete() {
                            subscriber.onComplete();
                        }
                    });
                }
            };
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a store and its events.")
    static final class Delete implements Callable<Integer> {
        @Mixin
        Target target;

        @Parameters(index = "0", description = "the store id")
        String storeId;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            HttpResponse<String> r = target.send("DELETE", Target.storePath(storeId, null),
                    HttpRequest.BodyPublishers.noBody(), HttpResponse.BodyHandlers.ofString());
            Target.check(r.statusCode(), r.body());
            spec.commandLine().getOut().println("deleted " + storeId);
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    @Command(name = "reset", mixinStandardHelpOptions = true,
            description = "Empty a store and give it a new backend id; connected clients follow their reset policy.")
    static final class Reset implements Callable<Integer> {
        @Mixin
        Target target;

        @Parameters(index = "0", description = "the store id")
        String storeId;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            HttpResponse<String> r = target.send("POST", Target.storePath(storeId, "reset"),
                    HttpRequest.BodyPublishers.noBody(), HttpResponse.BodyHandlers.ofString());
            Target.check(r.statusCode(), r.body());
            spec.commandLine().getOut().println("reset " + storeId + ": new backend id "
                    + Target.JSON.readTree(r.body()).path("backendId").asText());
            spec.commandLine().getOut().flush();
            return 0;
        }
    }
}
