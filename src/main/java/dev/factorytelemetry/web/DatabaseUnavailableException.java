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
                    || t instanceof java.net.SocketException // Connection reset, Broken pipe
                    || t instanceof java.nio.channels.ClosedChannelException
                    || t instanceof io.vertx.sqlclient.ClosedConnectionException
                    || t instanceof io.netty.channel.ConnectTimeoutException
                    || t instanceof io.netty.channel.unix.Errors.NativeIoException // epoll: "recvAddress(..) failed: Connection reset by peer"
                    || isLostConnectionMessage(t)) {
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

    /**
     * The client libraries report some connection losses only by message: the Vert.x SQL client fails
     * queued commands with "Connection is not active now" / "Pending requests failed to be sent due to
     * connection has been closed" and pool waits with "Timeout waiting for connection"; Agroal (JDBC) with
     * "Acquisition timeout"; and a reset socket may surface as a plain IOException.
     */
    private static boolean isLostConnectionMessage(Throwable t) {
        String message = t.getMessage();
        if (message == null) {
            return false;
        }
        String type = t.getClass().getName();
        boolean client = type.startsWith("io.vertx.") || type.startsWith("io.netty.") || t instanceof java.sql.SQLException
                || t.getClass() == java.io.IOException.class;
        return client && (message.contains("Connection is not active now")
                || message.contains("connection has been closed")
                || message.contains("Timeout waiting for connection")
                || message.contains("Acquisition timeout")
                || message.contains("Connection reset")
                || message.contains("Broken pipe"));
    }

    /** SQLSTATE class 08 (connection exception), 57P01-03 (shutdown, crash, cannot connect now), 53300. */
    static boolean isUnavailableState(String sqlState) {
        return sqlState != null && (sqlState.startsWith("08") || sqlState.equals("57P01")
                || sqlState.equals("57P02") || sqlState.equals("57P03") || sqlState.equals("53300"));
    }
}
