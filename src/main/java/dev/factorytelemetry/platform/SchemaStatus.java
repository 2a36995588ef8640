package dev.factorytelemetry.platform;

import java.util.List;

/**
 * The outcome of the start-up migration.
 *
 * @param appliedChangeSets changesets this start applied (0 on a restart of an up-to-date database)
 * @param pendingChangeSets ids of changesets for this edition that are still not applied; empty when
 *                          the schema is up to date
 */
public record SchemaStatus(int appliedChangeSets, List<String> pendingChangeSets) {

    public SchemaStatus {
        pendingChangeSets = List.copyOf(pendingChangeSets);
    }

    public boolean upToDate() {
        return pendingChangeSets.isEmpty();
    }
}
