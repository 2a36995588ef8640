package dev.factorytelemetry.auth;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/** What an API key may do; each scope is a security role of the same name. {@code admin} includes the other two. */
public enum Scope {
    /** Write telemetry and events (gateways). */
    INGEST,
    /** Read data and platform facts (dashboards, Grafana). */
    READ,
    /** Manage API keys and policies (operators); implies ingest and read. */
    ADMIN;

    /** Role names for {@code @RolesAllowed} (the scopes' wire names). */
    public static final class Roles {
        public static final String INGEST = "ingest";
        public static final String READ = "read";
        public static final String ADMIN = "admin";

        private Roles() {
        }
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Scope fromWireName(String name) {
        for (Scope s : values()) {
            if (s.wireName().equals(name)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown scope '" + name + "' (ingest, read, admin)");
    }

    /** The roles that these scopes grant: their own, and every role for {@code admin}. */
    public static Set<String> roles(Set<Scope> scopes) {
        Set<Scope> granted = scopes.contains(ADMIN) ? EnumSet.allOf(Scope.class) : scopes;
        return granted.stream().map(Scope::wireName).collect(Collectors.toUnmodifiableSet());
    }
}
