package dev.factorytelemetry.auth;

import com.github.benmanes.caffeine.cache.AsyncCache;
import dev.factorytelemetry.platform.Caches;
import dev.factorytelemetry.platform.DatabaseClock;
import dev.factorytelemetry.web.Problem;
import dev.factorytelemetry.web.ProblemException;
import io.quarkus.runtime.Startup;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Creates, lists, revokes and verifies API keys. Keys are {@code ftk_} + 43 characters of base64url
 * (256 random bits); only their SHA-256 is stored. Verified keys are cached for
 * {@code telemetry.auth.cache-ttl}. Keys are never logged (only their prefix).
 */
@ApplicationScoped
@Startup
public class ApiKeyService {

    private static final Logger LOG = Logger.getLogger(ApiKeyService.class);

    static final String KEY_PREFIX = "ftk_";
    /** Characters of a key shown in lists: "ftk_" and 8 more. */
    static final int SHOWN_PREFIX_LENGTH = 12;
    /** Bound on cached lookups (random invalid keys must not grow memory; the least used are evicted). */
    static final int MAX_CACHED = 10_000;

    /** The authenticated caller (the {@code SecurityIdentity}'s attribute {@link ApiKeyIdentityProvider#KEY}). */
    public record Principal(long keyId, String name, Set<Scope> scopes) {
        /** For audit columns and logs: "key 12 'line1-gateway'". */
        public String describe() {
            return "key " + keyId + " '" + name + "'";
        }
    }

    /** A stored key as listed by the admin API (never the key itself). */
    public record ApiKeyView(long id, String name, String prefix, List<String> scopes, OffsetDateTime createdAt,
                             String createdBy, OffsetDateTime expiresAt, OffsetDateTime revokedAt) {
    }

    /** A newly created key: the only time the key is shown. */
    public record CreatedKey(long id, String name, String prefix, List<String> scopes, OffsetDateTime createdAt,
                             OffsetDateTime expiresAt, String key) {
    }

    static final String SELECT_BY_HASH = """
            SELECT id, name, scopes
            FROM factory_telemetry.api_key
            WHERE key_hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())
            """;
    static final String INSERT = """
            INSERT INTO factory_telemetry.api_key (name, key_prefix, key_hash, scopes, created_by, expires_at)
            VALUES ($1, $2, $3, $4, $5, $6)
            RETURNING id, created_at
            """;
    static final String LIST = """
            SELECT id, name, key_prefix, scopes, created_at, created_by, expires_at, revoked_at
            FROM factory_telemetry.api_key
            ORDER BY id
            """;
    static final String REVOKE = """
            UPDATE factory_telemetry.api_key SET revoked_at = coalesce(revoked_at, now())
            WHERE id = $1
            RETURNING key_hash
            """;

    private final Pool pool;
    private final DatabaseClock clock;
    private final AuthConfig config;
    private final SecureRandom random = new SecureRandom();
    /** Lookups by key hash (hex), valid and invalid; concurrent lookups of one key share one query; failures are not kept. */
    private final AsyncCache<String, Optional<Principal>> cache;
    private final byte[] bootstrapHash;

    public ApiKeyService(Pool pool, AuthConfig config, DatabaseClock clock, Caches caches) {
        this.cache = caches.asyncCache("api-keys", MAX_CACHED, config.cacheTtl());
        this.clock = clock;
        this.pool = pool;
        this.config = config;
        this.bootstrapHash = config.bootstrapAdminKey().filter(k -> !k.isBlank()).map(String::trim).map(k -> {
            if (k.length() < 32) {
                throw new IllegalStateException("telemetry.auth.bootstrap-admin-key must have at least 32 characters");
            }
            return sha256(k);
        }).orElse(null);
        if (bootstrapHash != null) {
            LOG.info("Bootstrap admin key configured (telemetry.auth.bootstrap-admin-key); create real keys and remove it");
        }
    }

    /** The principal of a presented key, or empty when it is unknown, revoked or expired. */
    public Uni<Optional<Principal>> authenticate(String key) {
        byte[] hash = sha256(key);
        if (bootstrapHash != null && MessageDigest.isEqual(hash, bootstrapHash)) {
            return Uni.createFrom().item(Optional.of(new Principal(0, "bootstrap-admin", EnumSet.of(Scope.ADMIN))));
        }
        if (!key.startsWith(KEY_PREFIX)) {
            return Uni.createFrom().item(Optional.empty());
        }
        return Caches.get(cache, HexFormat.of().formatHex(hash), () -> pool.preparedQuery(SELECT_BY_HASH)
                .execute(Tuple.tuple().addBuffer(io.vertx.mutiny.core.buffer.Buffer.buffer(hash)))
                .map(rows -> {
                    Optional<Principal> principal = Optional.empty();
                    for (Row row : rows) {
                        principal = Optional.of(new Principal(row.getLong("id"), row.getString("name"), scopes(row)));
                    }
                    return principal;
                }));
    }

    public Uni<CreatedKey> create(String name, List<String> scopeNames, OffsetDateTime expiresAt, String createdBy) {
        List<Problem.FieldError> errors = new ArrayList<>();
        if (name == null || name.isBlank() || name.length() > 200) {
            errors.add(new Problem.FieldError(null, "name", "is required (1-200 characters)"));
        }
        Set<Scope> scopes = EnumSet.noneOf(Scope.class);
        if (scopeNames == null || scopeNames.isEmpty()) {
            errors.add(new Problem.FieldError(null, "scopes", "must list at least one of ingest, read, admin"));
        } else {
            for (int i = 0; i < scopeNames.size(); i++) {
                try {
                    scopes.add(Scope.fromWireName(scopeNames.get(i)));
                } catch (IllegalArgumentException e) {
                    errors.add(new Problem.FieldError(i, "scopes", e.getMessage()));
                }
            }
        }
        if (expiresAt != null && !expiresAt.toInstant().isAfter(clock.now())) {
            errors.add(new Problem.FieldError(null, "expiresAt", "must be in the future"));
        }
        if (!errors.isEmpty()) {
            return Uni.createFrom().failure(new ProblemException(
                    Problem.of(422, "Invalid API key request", "The key was not created").withErrors(errors)));
        }
        byte[] secret = new byte[32];
        random.nextBytes(secret);
        String key = KEY_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        String prefix = key.substring(0, SHOWN_PREFIX_LENGTH);
        String[] scopeArray = scopes.stream().map(Scope::wireName).toArray(String[]::new);
        Tuple params = Tuple.tuple().addString(name.trim()).addString(prefix)
                .addBuffer(io.vertx.mutiny.core.buffer.Buffer.buffer(sha256(key)))
                .addArrayOfString(scopeArray).addString(createdBy).addOffsetDateTime(expiresAt);
        return pool.preparedQuery(INSERT).execute(params).map(rows -> {
            Row row = rows.iterator().next();
            LOG.infof("API key %d '%s' (%s...) created by %s with scopes %s", row.getLong("id"), name.trim(), prefix,
                    createdBy, Arrays.toString(scopeArray));
            return new CreatedKey(row.getLong("id"), name.trim(), prefix, List.of(scopeArray),
                    row.getOffsetDateTime("created_at"), expiresAt, key);
        });
    }

    public Uni<List<ApiKeyView>> list() {
        return pool.query(LIST).execute().map(rows -> {
            List<ApiKeyView> views = new ArrayList<>();
            for (Row row : rows) {
                views.add(new ApiKeyView(row.getLong("id"), row.getString("name"), row.getString("key_prefix"),
                        List.of(row.getArrayOfStrings("scopes")), row.getOffsetDateTime("created_at"),
                        row.getString("created_by"), row.getOffsetDateTime("expires_at"), row.getOffsetDateTime("revoked_at")));
            }
            return views;
        });
    }

    /** Revokes a key (idempotent); false when no key has that id. Takes effect on this replica at once. */
    public Uni<Boolean> revoke(long id, String revokedBy) {
        return pool.preparedQuery(REVOKE).execute(Tuple.of(id)).map((RowSet<Row> rows) -> {
            for (Row row : rows) {
                cache.synchronous().invalidate(HexFormat.of().formatHex(row.getBuffer("key_hash").getBytes()));
                LOG.infof("API key %d revoked by %s", id, revokedBy);
                return true;
            }
            return false;
        });
    }

    private static Set<Scope> scopes(Row row) {
        Set<Scope> scopes = EnumSet.noneOf(Scope.class);
        for (String s : row.getArrayOfStrings("scopes")) {
            scopes.add(Scope.fromWireName(s));
        }
        return scopes;
    }

    static byte[] sha256(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
