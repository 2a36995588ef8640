package dev.factorytelemetry.auth;

import java.util.Locale;

/** What an API key may do. {@code admin} includes the other two. */
public enum Scope {
    /** Write telemetry and events (gateways). */
    INGEST,
    /** Read data and platform facts (dashboards, Grafana). */
    READ,
    /** Manage API keys and policies (operators); implies ingest and read. */
    ADMIN;

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
}
