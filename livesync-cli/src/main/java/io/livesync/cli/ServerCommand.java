package io.livesync.cli;

import io.livesync.core.wire.WireLimits;
import io.livesync.server.ServerConfig;
import io.livesync.server.SyncServer;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code livesync server}: runs a sync server until SIGTERM or Ctrl-C (then stops gracefully). */
@Command(name = "server", mixinStandardHelpOptions = true,
        description = "Run a sync server: LiveStore 0.4 WebSocket protocol at /, /sync and /sync/{storeId}, LiveStore "
                + "0.3's at /websocket, HTTP push/pull, /health, /metrics. Embedded SQLite by default; --postgres for "
                + "several instances on one database. --fault and --test-hooks for testing clients.")
final class ServerCommand implements Callable<Integer> {

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "interface to listen on (default ${DEFAULT-VALUE})")
    String host;

    @Option(names = "--port", defaultValue = "8787", description = "port (default ${DEFAULT-VALUE}; 0 = any free port)")
    int port;

    @Option(names = "--data", defaultValue = "livesync-data", description = "folder of the SQLite event store (default ${DEFAULT-VALUE})")
    Path data;

    @Option(names = "--durability", defaultValue = "full", description = "SQLite only. full (default): the WAL is "
            + "fsynced before every push is acked, so an acked push survives an OS crash or power loss. normal: "
            + "synchronous=NORMAL, faster (see docs/benchmarks.md) but acked pushes can be lost on an OS crash or "
            + "power loss (never on a server crash)")
    String durability;

    @Option(names = "--postgres", description = "PostgreSQL JDBC URL, e.g. jdbc:postgresql://127.0.0.1:5432/test?user=postgres")
    String postgres;

    @Option(names = "--postgres-schema", defaultValue = "livesync", description = "schema for the tables (default ${DEFAULT-VALUE})")
    String postgresSchema;

    @Option(names = "--tokens", description = "file of storeId=token lines (*=token for every store); else LIVESYNC_TOKENS")
    Path tokens;

    @Option(names = "--insecure-no-auth", description = "accept any client for any store (local play only; loudly logged)")
    boolean insecureNoAuth;

    @Option(names = "--log", description = "write the JSON-lines server log to this file (default: stderr)")
    Path log;

    @Option(names = "--node-id", defaultValue = "server", description = "name of this instance in logs (default ${DEFAULT-VALUE})")
    String nodeId;

    @Option(names = "--max-frame-bytes", defaultValue = "1048576", description = "largest frame or HTTP body (default ${DEFAULT-VALUE})")
    int maxFrameBytes;

    @Option(names = "--max-events-per-push", defaultValue = "100", description = "default ${DEFAULT-VALUE}")
    int maxEventsPerPush;

    @Option(names = "--max-event-bytes", defaultValue = "262144", description = "default ${DEFAULT-VALUE}")
    int maxEventBytes;

    @Option(names = "--max-json-depth", defaultValue = "64", description = "default ${DEFAULT-VALUE}")
    int maxJsonDepth;

    @Option(names = "--max-live-subscribers", defaultValue = "1000", description = "live pulls per store (default ${DEFAULT-VALUE})")
    int maxLiveSubscribers;

    @Option(names = "--max-queued-bytes", defaultValue = "33554432", description = "outbound bytes one socket may have "
            + "queued before it is shed (default ${DEFAULT-VALUE}; at least 1 MiB)")
    long maxQueuedBytes;

    @Option(names = "--max-pulls-per-connection", defaultValue = "16", description = "pulls one socket may run at once; "
            + "one more sheds it (default ${DEFAULT-VALUE})")
    int maxPullsPerConnection;

    @Option(names = "--max-buffered-events-per-pull", defaultValue = "50000", description = "live events one pull may "
            + "buffer during its catch-up; more sheds its socket (default ${DEFAULT-VALUE}; at least 100)")
    int maxBufferedEventsPerPull;

    @Option(names = "--send-timeout-ms", defaultValue = "30000", description = "a client whose socket does not take "
            + "one frame within this time is shed: cut, logged and counted (default ${DEFAULT-VALUE}; at least 100)")
    long sendTimeoutMs;

    @Option(names = "--fault", description = "error-after-store[:N] | lost-ack-close[:N] | blackhole[:N]: inject a fault "
            + "on the Nth accepted push of each store (default the first); see docs/testing-with-faults.md")
    String fault;

    @Option(names = "--push-validator", description = "class name of a io.livesync.hub.PushValidator on the class "
            + "path (public, with a public no-argument constructor): every push passes it before it is stored; a "
            + "refused event is answered event-refused")
    String pushValidator;

    @Option(names = "--test-hooks", description = "enable POST /test/{storeId}/append-foreign (the rebase probe) and "
            + "POST /test/{storeId}/reset (wipes the store, new backend id), each with the store's bearer token; never "
            + "in production")
    boolean testHooks;

    @Option(names = "--admin-token-file", description = "file holding the operator's token (at least 16 characters) "
            + "for the admin API and the dashboard; else LIVESYNC_ADMIN_TOKEN; none = both disabled")
    java.nio.file.Path adminTokenFile;

    @Option(names = "--flag-lag-ms", description = "raise lagging-live-pull after a live pull is this long behind the "
            + "store head (default: ${DEFAULT-VALUE}; docs/dashboard.md)")
    long flagLagMs = io.livesync.server.FlagThresholds.DEFAULTS.lagAfter().toMillis();

    @Option(names = "--flag-server-ahead-repeats", description = "raise server-ahead-loop after this many ServerAhead "
            + "refusals in a row, each below the head the one before named (default: ${DEFAULT-VALUE})")
    int flagServerAheadRepeats = io.livesync.server.FlagThresholds.DEFAULTS.serverAheadRepeats();

    @Option(names = "--flag-quiet-ms", description = "raise quiet-after-failed-push after a client is this long quiet "
            + "after a failed or un-acked push (default: ${DEFAULT-VALUE})")
    long flagQuietMs = io.livesync.server.FlagThresholds.DEFAULTS.quietAfter().toMillis();
    @Option(names = "--jwt-secret-file", description = "accept HS256 JWT bearer tokens signed with the secret in this "
            + "file (at least 32 bytes); else LIVESYNC_JWT_SECRET")
    java.nio.file.Path jwtSecretFile;

    @Option(names = "--jwt-jwks-file", description = "accept RS256/ES256 JWT bearer tokens signed with a key of this "
            + "JWKS file (public keys)")
    java.nio.file.Path jwtJwksFile;

    @Option(names = "--jwt-claim", defaultValue = "livesync", description = "the JWT claim holding the token's access: "
            + "{\"read\": [store patterns], \"write\": [store patterns], \"admin\": bool} (default: ${DEFAULT-VALUE})")
    String jwtClaim;

    @Option(names = "--jwt-issuer", description = "accept only JWTs whose iss is this")
    String jwtIssuer;

    @Option(names = "--jwt-audience", description = "accept only JWTs whose aud includes this")
    String jwtAudience;

    @Option(names = "--max-pushes-per-second", defaultValue = "0", description = "pushes per second one identity "
            + "(token subject) may make; more are answered rate-limited with retryAfterMillis; 0 = unlimited")
    double maxPushesPerSecond;

    @Option(names = "--max-events-per-second", defaultValue = "0", description = "events per second one identity may "
            + "push; 0 = unlimited")
    double maxEventsPerSecond;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        ServerConfig config;
        try {
            Map<String, String> tokenMap = tokens != null ? ServerConfig.readTokens(tokens)
                    : System.getenv("LIVESYNC_TOKENS") != null
                            ? ServerConfig.parseTokens("LIVESYNC_TOKENS", System.getenv("LIVESYNC_TOKENS")) : Map.of();
            ServerConfig.Builder builder = ServerConfig.builder();
            String admin = adminTokenFile != null ? java.nio.file.Files.readString(adminTokenFile).strip()
                    : System.getenv("LIVESYNC_ADMIN_TOKEN");
            if (admin != null && !admin.isBlank()) {
                builder.adminToken(admin);
            }
            if (pushValidator != null) {
                builder.pushValidator(pushValidator);
            }
            if (jwtSecretFile != null) {
                builder.jwtHs256SecretFile(jwtSecretFile);
            } else if (System.getenv("LIVESYNC_JWT_SECRET") != null) {
                builder.jwtHs256Secret(System.getenv("LIVESYNC_JWT_SECRET").strip()
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            if (jwtJwksFile != null) {
                builder.jwtJwksFile(jwtJwksFile);
            }
            builder.jwtClaim(jwtClaim).jwtIssuer(jwtIssuer).jwtAudience(jwtAudience).maxPushesPerSecondPerIdentity(maxPushesPerSecond)
                    .maxEventsPerSecondPerIdentity(maxEventsPerSecond);
            config = builder.host(host).port(port).dataDir(data)
                    .postgres(postgres, postgresSchema).tokens(tokenMap).insecureNoAuth(insecureNoAuth)
                    .limits(new WireLimits(maxFrameBytes, maxEventsPerPush, maxEventBytes, maxJsonDepth))
                    .maxLiveSubscribersPerStore(maxLiveSubscribers).logFile(log).nodeId(nodeId).testHooks(testHooks)
                    .durability(io.livesync.server.Durability.parse(durability))
                    .sendTimeout(java.time.Duration.ofMillis(sendTimeoutMs)).maxQueuedBytesPerConnection(maxQueuedBytes)
                    .maxPullsPerConnection(maxPullsPerConnection).maxBufferedEventsPerPull(maxBufferedEventsPerPull)
                    .build();
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        io.livesync.server.FlagThresholds thresholds;
        try {
            thresholds = new io.livesync.server.FlagThresholds(java.time.Duration.ofMillis(flagLagMs),
                    flagServerAheadRepeats, java.time.Duration.ofMillis(flagQuietMs),
                    io.livesync.server.FlagThresholds.DEFAULTS.checkEvery());
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        io.livesync.server.PushFaults faults;
        try {
            faults = fault == null ? null : io.livesync.server.PushFaults.parse(fault);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        SyncServer server = SyncServer.start(config);
        if (!thresholds.equals(io.livesync.server.FlagThresholds.DEFAULTS)) {
            server.flagThresholds(thresholds);
        }
        if (faults != null) {
            server.faults(faults);
            spec.commandLine().getOut().println("WARNING: fault injection is ON: " + fault);
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "livesync-server-shutdown"));
        var out = spec.commandLine().getOut();
        out.println("livesync server listening on " + server.httpUri() + "  (WebSocket: ws://" + config.host() + ":"
                + server.port() + "/sync/{storeId}, store: " + server.eventStore().describe() + ")");
        if (config.adminToken() != null) {
            out.println("operator dashboard: " + server.httpUri() + "/admin (log in with the admin token; docs/dashboard.md)");
        }
        if (insecureNoAuth) {
            out.println("WARNING: --insecure-no-auth: any client can read and write any store. For local play only.");
        }
        out.flush();
        stopped.await();
        return 0;
    }
}
