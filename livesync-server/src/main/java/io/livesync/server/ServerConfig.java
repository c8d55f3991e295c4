package io.livesync.server;

import io.livesync.hub.PushValidator;
import io.livesync.core.wire.WireLimits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Immutable configuration of a {@link SyncServer}, built with {@link #builder()}; setters fail fast with a message
 * naming the bad value.
 */
public final class ServerConfig {

    private final String host;
    private final int port;
    private final Path dataDir;
    private final String postgresUrl;
    private final String postgresSchema;
    private final Map<String, String> tokens;
    private final String adminToken;
    private final boolean insecureNoAuth;
    private final WireLimits limits;
    private final int maxLiveSubscribersPerStore;
    private final int maxQueuedFramesPerConnection;
    private final Path logFile;
    private final String nodeId;
    private final boolean testHooks;
    private final Durability durability;
    private final java.time.Duration sendTimeout;
    private final long maxQueuedBytesPerConnection;
    private final int maxPullsPerConnection;
    private final int maxBufferedEventsPerPull;
    private final PushValidator pushValidator;
    private final JwtVerifier jwtVerifier;
    private final double maxPushesPerSecondPerIdentity;
    private final double maxEventsPerSecondPerIdentity;

    private ServerConfig(Builder b) {
        this.jwtVerifier = b.jwtHs256Secret != null || b.jwtJwks != null
                ? JwtVerifier.of(b.jwtHs256Secret, b.jwtJwks, b.jwtClaim, b.jwtIssuer, b.jwtAudience) : null;
        this.maxPushesPerSecondPerIdentity = b.maxPushesPerSecondPerIdentity;
        this.maxEventsPerSecondPerIdentity = b.maxEventsPerSecondPerIdentity;
        this.pushValidator = b.pushValidator;
        this.maxQueuedBytesPerConnection = b.maxQueuedBytesPerConnection;
        this.maxPullsPerConnection = b.maxPullsPerConnection;
        this.maxBufferedEventsPerPull = b.maxBufferedEventsPerPull;
        this.sendTimeout = b.sendTimeout;
        this.durability = b.durability;
        this.testHooks = b.testHooks;
        this.host = b.host;
        this.port = b.port;
        this.dataDir = b.dataDir;
        this.postgresUrl = b.postgresUrl;
        this.postgresSchema = b.postgresSchema;
        this.tokens = Map.copyOf(b.tokens);
        this.adminToken = b.adminToken;
        this.insecureNoAuth = b.insecureNoAuth;
        this.limits = b.limits;
        this.maxLiveSubscribersPerStore = b.maxLiveSubscribersPerStore;
        this.maxQueuedFramesPerConnection = b.maxQueuedFramesPerConnection;
        this.logFile = b.logFile;
        this.nodeId = b.nodeId;
    }

    public static Builder builder() {
        return new Builder();
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** A PostgreSQL JDBC URL, or null for the embedded SQLite store. */
    public String postgresUrl() {
        return postgresUrl;
    }

    public String postgresSchema() {
        return postgresSchema;
    }

    public boolean insecureNoAuth() {
        return insecureNoAuth;
    }

    public WireLimits limits() {
        return limits;
    }

    public int maxLiveSubscribersPerStore() {
        return maxLiveSubscribersPerStore;
    }

    public int maxQueuedFramesPerConnection() {
        return maxQueuedFramesPerConnection;
    }

    public Path logFile() {
        return logFile;
    }

    public String nodeId() {
        return nodeId;
    }

    /** Outbound text a socket may have queued (chars of its frames) before it is shed (default 32 Mi). */
    public long maxQueuedBytesPerConnection() {
        return maxQueuedBytesPerConnection;
    }

    /** Pulls one socket may run at once; one more sheds it (default 16; LiveStore runs one). */
    public int maxPullsPerConnection() {
        return maxPullsPerConnection;
    }

    /** Live events a pull may buffer while its catch-up runs; more sheds its socket (default 50,000). */
    public int maxBufferedEventsPerPull() {
        return maxBufferedEventsPerPull;
    }

    /** How long one outbound frame may take to be written before the client is shed (default 30 s). */
    public java.time.Duration sendTimeout() {
        return sendTimeout;
    }

    /** When the SQLite store acks a push relative to the disk (default {@link Durability#FULL}). */
    public Durability durability() {
        return durability;
    }

    /**
     * Whether the test-only endpoints are on: {@code POST /test/{storeId}/append-foreign} and
     * {@code POST /test/{storeId}/reset}, each with the store's bearer token.
     */
    public boolean testHooks() {
        return testHooks;
    }

    /** The rules every push passes before it is stored ({@link PushValidator#ACCEPT_ALL} unless configured). */
    public PushValidator pushValidator() {
        return pushValidator;
    }

    /**
     * Who a request that passed authentication is, for the push validator: {@code "token:<storeId>"} when the store
     * has its own token, {@code "token:*"} for the default token, {@code "anonymous"} with {@code --insecure-no-auth}.
     */
    public String subjectFor(String storeId) {
        if (insecureNoAuth) {
            return "anonymous";
        }
        return tokens.containsKey(storeId) ? "token:" + storeId : "token:*";
    }

    /** The JWT verifier, or null when only static tokens are accepted. */
    JwtVerifier jwtVerifier() {
        return jwtVerifier;
    }

    /** Pushes per second one identity (token subject) may make, over all its stores; 0 = unlimited. */
    public double maxPushesPerSecondPerIdentity() {
        return maxPushesPerSecondPerIdentity;
    }

    /** Events per second one identity may push, over all its stores; 0 = unlimited. */
    public double maxEventsPerSecondPerIdentity() {
        return maxEventsPerSecondPerIdentity;
    }

    /** The operator's token for the admin API and the dashboard, or null (then they answer 403 to everyone). */
    public String adminToken() {
        return adminToken;
    }

    /** Whether {@code presented} is the admin token (constant-time; false when no admin token is configured). */
    public boolean isAdminToken(String presented) {
        return adminToken != null && presented != null && java.security.MessageDigest.isEqual(
                adminToken.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                presented.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** The token a store requires: its own, else the {@code *} default; null when none is configured. */
    public String tokenFor(String storeId) {
        String token = tokens.get(storeId);
        return token != null ? token : tokens.get("*");
    }

    /**
     * Parses token lines {@code storeId=token} ({@code *=token} for every other store); blank lines and {@code #}
     * comments are ignored. Used for files ({@code --tokens FILE}) and the {@code LIVESYNC_TOKENS} variable (lines or
     * {@code ;}-separated).
     */
    public static Map<String, String> parseTokens(String source, String text) {
        Map<String, String> tokens = new LinkedHashMap<>();
        List<String> lines = text.contains("\n") ? text.lines().toList() : List.of(text.split(";"));
        int n = 0;
        for (String raw : lines) {
            n++;
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int eq = line.indexOf('=');
            if (eq <= 0 || eq == line.length() - 1) {
                throw new IllegalArgumentException(source + " line " + n + ": expected storeId=token (or *=token), got \""
                        + line + "\"");
            }
            tokens.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
        }
        return tokens;
    }

    public static Map<String, String> readTokens(Path file) {
        try {
            return parseTokens(file.toString(), Files.readString(file));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the tokens file " + file + ": " + e.getMessage(), e);
        }
    }

    /** Builder of {@link ServerConfig}. */
    public static final class Builder {
        private String host = "127.0.0.1";
        private int port = 8787;
        private Path dataDir = Path.of("livesync-data");
        private String postgresUrl;
        private String postgresSchema = "livesync";
        private final Map<String, String> tokens = new LinkedHashMap<>();
        private String adminToken;
        private boolean insecureNoAuth;
        private WireLimits limits = WireLimits.DEFAULT;
        private int maxLiveSubscribersPerStore = 1000;
        private int maxQueuedFramesPerConnection = 10_000;
        private Path logFile;
        private String nodeId = "server";
        private boolean testHooks;
        private Durability durability = Durability.FULL;
        private boolean durabilitySet;
        private java.time.Duration sendTimeout = java.time.Duration.ofSeconds(30);
        private long maxQueuedBytesPerConnection = 32L << 20;
        private int maxPullsPerConnection = 16;
        private int maxBufferedEventsPerPull = 50_000;
        private PushValidator pushValidator = PushValidator.ACCEPT_ALL;
        private byte[] jwtHs256Secret;
        private com.nimbusds.jose.jwk.JWKSet jwtJwks;
        private String jwtClaim = "livesync";
        private String jwtIssuer;
        private String jwtAudience;

        /** Accept only JWTs whose {@code iss} is this (null: any issuer). */
        public Builder jwtIssuer(String iss) {
            this.jwtIssuer = iss == null || iss.isBlank() ? null : iss;
            return this;
        }

        /** Accept only JWTs whose {@code aud} includes this (null: any audience). */
        public Builder jwtAudience(String aud) {
            this.jwtAudience = aud == null || aud.isBlank() ? null : aud;
            return this;
        }
        private double maxPushesPerSecondPerIdentity;
        private double maxEventsPerSecondPerIdentity;

        /** Accept HS256 JWTs signed with this secret (at least 32 bytes). */
        public Builder jwtHs256Secret(byte[] secret) {
            if (secret != null && secret.length < 32) {
                throw new IllegalArgumentException("the JWT HS256 secret has " + secret.length
                        + " bytes; it needs at least 32 (256 bits)");
            }
            this.jwtHs256Secret = secret == null ? null : secret.clone();
            return this;
        }

        /** Accept HS256 JWTs signed with the secret in this file (its text, stripped). */
        public Builder jwtHs256SecretFile(Path file) {
            return jwtHs256Secret(JwtVerifier.readSecret(file));
        }

        /** Accept RS256/ES256 JWTs signed with a key of this JWKS file (public keys). */
        public Builder jwtJwksFile(Path file) {
            this.jwtJwks = JwtVerifier.readJwks(file);
            return this;
        }

        /** The JWT claim holding {@code {read, write, admin}} (default {@code livesync}). */
        public Builder jwtClaim(String name) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("the JWT claim name is empty");
            }
            this.jwtClaim = name;
            return this;
        }

        /** Pushes per second per identity (a token burst of one second's worth); 0 = unlimited. */
        public Builder maxPushesPerSecondPerIdentity(double n) {
            if (!(n >= 0) || Double.isInfinite(n)) {
                throw new IllegalArgumentException("maxPushesPerSecondPerIdentity must be >= 0, got " + n);
            }
            this.maxPushesPerSecondPerIdentity = n;
            return this;
        }

        /** Events per second per identity (a burst of one second's worth); 0 = unlimited. */
        public Builder maxEventsPerSecondPerIdentity(double n) {
            if (!(n >= 0) || Double.isInfinite(n)) {
                throw new IllegalArgumentException("maxEventsPerSecondPerIdentity must be >= 0, got " + n);
            }
            this.maxEventsPerSecondPerIdentity = n;
            return this;
        }

        /** The rules every push passes before it is stored (see {@link PushValidator}). */
        public Builder pushValidator(PushValidator v) {
            this.pushValidator = Objects.requireNonNull(v, "pushValidator");
            return this;
        }

        /**
         * Loads the push validator {@code className} from the class path now.
         *
         * @throws IllegalArgumentException when the class is missing, is not a {@link PushValidator}, or cannot be
         *     instantiated
         */
        public Builder pushValidator(String className) {
            return pushValidator(PushValidator.load(className));
        }

        public Builder maxQueuedBytesPerConnection(long n) {
            if (n < (1L << 20)) {
                throw new IllegalArgumentException("maxQueuedBytesPerConnection must be >= 1 MiB (1048576), got " + n);
            }
            this.maxQueuedBytesPerConnection = n;
            return this;
        }

        public Builder maxPullsPerConnection(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("maxPullsPerConnection must be >= 1, got " + n);
            }
            this.maxPullsPerConnection = n;
            return this;
        }

        public Builder maxBufferedEventsPerPull(int n) {
            if (n < 100) {
                throw new IllegalArgumentException("maxBufferedEventsPerPull must be >= 100, got " + n);
            }
            this.maxBufferedEventsPerPull = n;
            return this;
        }

        /** A client whose socket does not take one frame within this time is shed (closed); at least 100 ms. */
        public Builder sendTimeout(java.time.Duration d) {
            Objects.requireNonNull(d, "sendTimeout");
            if (d.toMillis() < 100) {
                throw new IllegalArgumentException("sendTimeout must be at least 100 ms, got " + d.toMillis() + " ms");
            }
            this.sendTimeout = d;
            return this;
        }

        private Builder() {}

        /** SQLite only: {@link Durability#FULL} (the default) fsyncs before every ack; NORMAL trades that for speed. */
        public Builder durability(Durability d) {
            this.durability = Objects.requireNonNull(d, "durability");
            this.durabilitySet = true;
            return this;
        }

        /** Turns on the test-only endpoints (never in production). */
        public Builder testHooks(boolean on) {
            this.testHooks = on;
            return this;
        }

        public Builder host(String h) {
            this.host = Objects.requireNonNull(h, "host");
            return this;
        }

        /** 0 picks a free port. */
        public Builder port(int p) {
            if (p < 0 || p > 65535) {
                throw new IllegalArgumentException("port must be in [0, 65535], got " + p);
            }
            this.port = p;
            return this;
        }

        public Builder dataDir(Path d) {
            this.dataDir = Objects.requireNonNull(d, "dataDir");
            return this;
        }

        public Builder postgres(String jdbcUrl, String schema) {
            if (jdbcUrl != null && !jdbcUrl.startsWith("jdbc:postgresql:")) {
                throw new IllegalArgumentException("--postgres must be a jdbc:postgresql: URL, got \"" + jdbcUrl + "\"");
            }
            this.postgresUrl = jdbcUrl;
            this.postgresSchema = Objects.requireNonNull(schema, "schema");
            return this;
        }

        public Builder tokens(Map<String, String> t) {
            t.forEach((store, token) -> {
                if (token == null || token.isBlank()) {
                    throw new IllegalArgumentException("the token of store \"" + store + "\" is empty");
                }
            });
            this.tokens.putAll(t);
            return this;
        }

        /** The operator's token for the admin API and dashboard (at least 16 characters); none = both disabled. */
        public Builder adminToken(String token) {
            if (token != null && token.strip().length() < 16) {
                throw new IllegalArgumentException("the admin token must have at least 16 characters");
            }
            this.adminToken = token == null ? null : token.strip();
            return this;
        }

        public Builder insecureNoAuth(boolean off) {
            this.insecureNoAuth = off;
            return this;
        }

        public Builder limits(WireLimits l) {
            this.limits = Objects.requireNonNull(l, "limits");
            return this;
        }

        public Builder maxLiveSubscribersPerStore(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("maxLiveSubscribersPerStore must be >= 1, got " + n);
            }
            this.maxLiveSubscribersPerStore = n;
            return this;
        }

        public Builder maxQueuedFramesPerConnection(int n) {
            if (n < 16) {
                throw new IllegalArgumentException("maxQueuedFramesPerConnection must be >= 16, got " + n);
            }
            this.maxQueuedFramesPerConnection = n;
            return this;
        }

        public Builder logFile(Path f) {
            this.logFile = f;
            return this;
        }

        public Builder nodeId(String id) {
            this.nodeId = Objects.requireNonNull(id, "nodeId");
            return this;
        }

        public ServerConfig build() {
            if (durabilitySet && postgresUrl != null && durability != Durability.FULL) {
                throw new IllegalStateException("--durability " + durability.name().toLowerCase(java.util.Locale.ROOT)
                        + " applies to the SQLite store only; with --postgres, durability is PostgreSQL's "
                        + "synchronous_commit setting");
            }
            if (!insecureNoAuth && tokens.isEmpty() && jwtHs256Secret == null && jwtJwks == null) {
                throw new IllegalStateException("no store tokens are configured: give --tokens FILE or LIVESYNC_TOKENS "
                        + "(lines storeId=token, *=token for all stores), a JWT key (--jwt-secret-file, --jwt-jwks-file),"
                        + " or --insecure-no-auth for local play");
            }
            return new ServerConfig(this);
        }
    }
}
