package dev.factorytelemetry.platform;

import dev.factorytelemetry.archive.ArchiveCommand;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;
import io.quarkus.runtime.annotations.QuarkusMain;

/**
 * The service's entry point. Start-up ({@link SchemaMigration}) has already run when {@link #run} is
 * called: normally the service then serves until it is stopped; in migration-only mode
 * ({@code telemetry.platform.migrate-only=true}, the Kubernetes migration Job) the schema is current by
 * now and the process exits with status 0 (a failed migration fails start-up, which exits non-zero). With
 * {@code telemetry.platform.rollback-to-tag} as well, start-up rolled the schema back to that tag instead.
 * With the arguments {@code archive run} or {@code archive restore <id|file>} it runs that archive command
 * ({@link ArchiveCommand}) and exits with its status.
 * A pre-flight failure ({@link Preflight}) never gets here: start-up stops with one line and exit status 1.
 */
@QuarkusMain
public class FactoryTelemetryMain implements QuarkusApplication {

    private final PlatformConfig config;
    private final ArchiveCommand archiveCommand;

    public FactoryTelemetryMain(PlatformConfig config, ArchiveCommand archiveCommand) {
        this.config = config;
        this.archiveCommand = archiveCommand;
    }

    @Override
    public int run(String... args) {
        if (ArchiveCommand.handles(args)) {
            return archiveCommand.run(System.out, args);
        }
        if (config.migrateOnly()) {
            return 0;
        }
        Quarkus.waitForExit();
        return 0;
    }
}
