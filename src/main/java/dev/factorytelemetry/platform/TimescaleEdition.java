package dev.factorytelemetry.platform;

import java.util.Locale;

/**
 * What the database server offers: its PostgreSQL version, the TimescaleDB extension version and the
 * license the TimescaleDB module runs under. The license is fixed at server start
 * ({@code timescaledb.license}), so it is read once at service start-up.
 *
 * @param extensionVersion {@code pg_extension.extversion} of {@code timescaledb}
 * @param license          the edition, from {@code current_setting('timescaledb.license')}
 * @param postgresVersion  {@code current_setting('server_version')}
 */
public record TimescaleEdition(String extensionVersion, License license, String postgresVersion) {

    /** The two editions of TimescaleDB and the setting value that selects each. */
    public enum License {
        /** Apache-2 edition: hypertables, time_bucket, drop_chunks; no compression, aggregates or jobs. */
        APACHE("apache"),
        /** Community edition (TSL): compression, continuous aggregates, retention policies, jobs. */
        COMMUNITY("timescale");

        private final String setting;

        License(String setting) {
            this.setting = setting;
        }

        /** The value of {@code timescaledb.license} for this edition. */
        public String setting() {
            return setting;
        }

        /** Short lower-case name: {@code apache} or {@code community}. */
        public String editionName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The Liquibase label that marks changesets for this edition only. */
        public String changelogLabel() {
            return "edition-" + editionName();
        }

        /**
         * Maps a {@code timescaledb.license} value to an edition. Unknown or missing values are treated
         * as Apache: the service then manages policies itself, which works on every edition.
         */
        public static License fromSetting(String value) {
            return "timescale".equalsIgnoreCase(value) ? COMMUNITY : APACHE;
        }
    }

    /** Whether native compression, retention policies, continuous aggregates and jobs are available. */
    public boolean nativePolicies() {
        return license == License.COMMUNITY;
    }

    /** Human-readable edition name used in health details and the system info API. */
    public String editionName() {
        return license.editionName();
    }
}
