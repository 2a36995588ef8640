package dev.factorytelemetry.web;

/** The database cannot be reached or refuses work right now; answered with 503 and Retry-After. */
public class DatabaseUnavailableException extends RuntimeException {

    public DatabaseUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * Whether a failure means "the database is unavailable" (connection refused or lost, server
     * shutting down or starting, too many connections) rather than a fault of the request.
     */
    public static boolean isUnavailable(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof DatabaseUnavailableException
                    || t instanceof java.net.ConnectException
                    || t instanceof io.vertx.sqlclient.ClosedConnectionException
                    || t instanceof io.netty.channel.ConnectTimeoutException) {
                return true;
            }
            if (t instanceof io.vertx.pgclient.PgException pg && isUnavailableState(pg.getSqlState())) {
                return true;
            }
            if (t instanceof java.sql.SQLException sql && isUnavailableState(sql.getSQLState())) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }

    /** SQLSTATE class 08 (connection exception), 57P01-03 (shutdown, crash, cannot connect now), 53300. */
    static boolean isUnavailableState(String sqlState) {
        return sqlState != null && (sqlState.startsWith("08") || sqlState.equals("57P01")
                || sqlState.equals("57P02") || sqlState.equals("57P03") || sqlState.equals("53300"));
    }
}
