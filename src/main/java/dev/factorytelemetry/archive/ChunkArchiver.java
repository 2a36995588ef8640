package dev.factorytelemetry.archive;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import org.postgresql.PGConnection;
import org.postgresql.copy.PGCopyInputStream;
import org.postgresql.copy.PGCopyOutputStream;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The blocking core of archiving (JDBC and file I/O: call it on a worker thread, never on an event loop).
 * <p>
 * <b>Archive then drop</b>, for one chunk, in one transaction on one JDBC connection: lock the chunk against writes
 * ({@code SHARE} mode), count its rows, stream them with {@code COPY (SELECT …) TO STDOUT (FORMAT binary)} into a
 * Parquet file (row by row; the writer buffers one row group), re-read the file and compare row count and checksum
 * with the chunk's, move it to its final name beside a JSON sidecar, insert the manifest row and only then
 * {@code drop_chunks} for exactly that chunk's range. The commit makes manifest row and drop visible together; any
 * failure rolls back (the chunk stays) and removes the files of this attempt.
 * <p>
 * <b>Restore</b> re-reads a file (its checksum must still match the manifest), streams its rows with
 * {@code COPY … FROM STDIN (FORMAT binary)} into a temporary table and inserts them with
 * {@code ON CONFLICT DO NOTHING}: rows already in the table are skipped, so a second restore adds none.
 */
@ApplicationScoped
public class ChunkArchiver {

    /** Chunk identity, range, and whether it may be dropped (archived table, past retention), for update. */
    static final String CHUNK_SQL = """
            SELECT format('%I.%I', c.chunk_schema, c.chunk_name) AS qualified, c.range_start, c.range_end,
                   d.column_type::text AS time_type,
                   p.archive_enabled AND p.retention_enabled AND p.retention IS NOT NULL
                       AND c.range_end <= now() - p.retention AS droppable,
                   now() AS created_at
            FROM factory_telemetry.hypertable_policy p
            JOIN timescaledb_information.chunks c
              ON c.hypertable_schema = 'factory_telemetry' AND c.hypertable_name = p.hypertable_name
            JOIN timescaledb_information.dimensions d
              ON d.hypertable_schema = 'factory_telemetry' AND d.hypertable_name = p.hypertable_name AND d.dimension_number = 1
            WHERE p.hypertable_name = ? AND c.chunk_name = ?
            """;

    static final String COLUMNS_SQL = """
            SELECT a.attname, t.typname, coalesce(nullif(t.typelem, 0), 0)::int AS element_oid, a.attnotnull,
                   a.attgenerated <> '' AS generated
            FROM pg_attribute a
            JOIN pg_type t ON t.oid = a.atttypid
            WHERE a.attrelid = format('factory_telemetry.%I', ?::text)::regclass AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY a.attnum
            """;

    static final String NEXT_ID_SQL = "SELECT nextval(pg_get_serial_sequence('factory_telemetry.archive_manifest', 'id'))";

    static final String INSERT_MANIFEST_SQL = """
            INSERT INTO factory_telemetry.archive_manifest
                (id, hypertable_name, chunk_name, range_start, range_end, row_count, path, size_bytes, checksum, format,
                 target, created_at, dropped_at)
            OVERRIDING SYSTEM VALUE
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'parquet', 'filesystem', ?, ?)
            """;

    /** Exactly the chunk's range: drop_chunks drops the chunks lying entirely inside [newer_than, older_than). */
    static final String DROP_TIMESTAMPTZ_SQL = """
            SELECT drop_chunks(format('factory_telemetry.%I', ?::text)::regclass,
                               older_than => ?::timestamptz, newer_than => ?::timestamptz)::text AS dropped
            """;
    static final String DROP_DATE_SQL = """
            SELECT drop_chunks(format('factory_telemetry.%I', ?::text)::regclass,
                               older_than => (?::timestamptz AT TIME ZONE 'UTC')::date,
                               newer_than => (?::timestamptz AT TIME ZONE 'UTC')::date)::text AS dropped
            """;

    static final String MANIFEST_SQL = """
            SELECT id, hypertable_name, chunk_name, range_start, range_end, row_count, path, size_bytes, checksum, format,
                   target, created_at, dropped_at
            FROM factory_telemetry.archive_manifest WHERE id = ?
            """;

    static final String KNOWN_TABLE_SQL = "SELECT 1 FROM factory_telemetry.hypertable_policy WHERE hypertable_name = ?";

    private static final DateTimeFormatter FILE_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");

    /** A manifest row. {@code path} is relative to the target directory. */
    public record ArchiveEntry(long id, String hypertableName, String chunkName, OffsetDateTime rangeStart,
                               OffsetDateTime rangeEnd, long rowCount, String path, long sizeBytes, String checksum,
                               String format, String target, OffsetDateTime createdAt, OffsetDateTime droppedAt) {
    }

    /** What a restore did: rows in the file, rows inserted, rows skipped because the table had them. */
    public record Restored(Long archiveId, String hypertableName, String path, long rowsInFile, long rowsInserted,
                           long duplicatesSkipped) {
    }

    /** An archive operation refused for a reason the caller can act on (file missing or altered, bad input). */
    public static class ArchiveException extends RuntimeException {
        private final int status;

        public ArchiveException(int status, String message) {
            super(message);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    private final AgroalDataSource dataSource;
    private final ArchiveConfig config;
    private final ObjectMapper json;

    public ChunkArchiver(AgroalDataSource dataSource, ArchiveConfig config, ObjectMapper json) {
        this.dataSource = dataSource;
        this.config = config;
        this.json = json;
    }

    /**
     * Archives one chunk of {@code table}; drops it afterwards when {@code dropIfExpired} and it is droppable (the table
     * is archived and the chunk lies entirely past retention).
     */
    public ArchiveEntry archive(String table, String chunkName, boolean dropIfExpired) throws SQLException, IOException {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            Path file = null;
            Path sidecar = null;
            Path partial = null;
            boolean committed = false;
            try {
                String qualified;
                OffsetDateTime rangeStart;
                OffsetDateTime rangeEnd;
                OffsetDateTime createdAt;
                String timeType;
                boolean droppable;
                try (PreparedStatement chunk = connection.prepareStatement(CHUNK_SQL)) {
                    chunk.setString(1, table);
                    chunk.setString(2, chunkName);
                    try (ResultSet rs = chunk.executeQuery()) {
                        if (!rs.next()) {
                            throw new ArchiveException(404, "no chunk " + chunkName + " of " + table);
                        }
                        qualified = rs.getString("qualified");
                        rangeStart = rs.getObject("range_start", OffsetDateTime.class);
                        rangeEnd = rs.getObject("range_end", OffsetDateTime.class);
                        timeType = rs.getString("time_type");
                        droppable = rs.getBoolean("droppable");
                        createdAt = rs.getObject("created_at", OffsetDateTime.class);
                    }
                }
                boolean drop = dropIfExpired && droppable;
                try (Statement statement = connection.createStatement()) {
                    // no writes into the chunk until commit: what is exported is what is dropped
                    statement.execute("LOCK TABLE " + qualified + " IN SHARE MODE");
                }
                long expectedRows = count(connection, qualified);
                List<PgColumn> columns = columns(connection, table);
                long id;
                try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery(NEXT_ID_SQL)) {
                    rs.next();
                    id = rs.getLong(1);
                }
                String relative = relativePath(table, rangeStart, rangeEnd, id);
                file = resolve(relative);
                sidecar = file.resolveSibling(file.getFileName().toString().replace(".parquet", ".json"));
                partial = file.resolveSibling(file.getFileName() + ".partial");
                Files.createDirectories(file.getParent());

                Map<String, String> metadata = Map.of(ParquetArchiveFile.META_CHUNK, chunkName,
                        ParquetArchiveFile.META_RANGE_START, rangeStart.toInstant().toString(),
                        ParquetArchiveFile.META_RANGE_END, rangeEnd.toInstant().toString());
                String copy = "COPY (SELECT " + String.join(", ", columns.stream().map(c -> quote(c.name())).toList())
                        + " FROM " + qualified + ") TO STDOUT (FORMAT binary)";
                PgBinaryCopy.Digest exported;
                try (InputStream in = new BufferedInputStream(new PGCopyInputStream(connection.unwrap(PGConnection.class), copy), 1 << 16)) {
                    exported = ParquetArchiveFile.write(partial, table, columns, metadata, PgBinaryCopy.reader(in, columns.size()),
                            config.rowGroupSize().asLongValue());
                    // read the COPY to its end, so that the connection is ready for the next statement
                    if (in.read() != -1) {
                        throw new IOException("data after the end of the COPY stream of " + chunkName);
                    }
                }
                fsync(partial);
                String checksum = exported.checksum();
                if (exported.rows() != expectedRows) {
                    throw new IOException("export of " + chunkName + " wrote " + exported.rows() + " rows, the chunk has " + expectedRows);
                }
                // verify: the file read back holds the same rows
                PgBinaryCopy.Digest reread = ParquetArchiveFile.read(partial, null);
                String rereadChecksum = reread.checksum();
                if (reread.rows() != expectedRows || !rereadChecksum.equals(checksum)) {
                    throw new IOException("verification of " + relative + " failed: read back " + reread.rows() + " rows, "
                            + rereadChecksum + "; the chunk has " + expectedRows + " rows, " + checksum);
                }
                Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE);
                partial = null;
                long size = Files.size(file);
                ArchiveEntry entry = new ArchiveEntry(id, table, chunkName, rangeStart, rangeEnd, expectedRows, relative, size,
                        checksum, "parquet", "filesystem", createdAt, drop ? createdAt : null);
                writeSidecar(sidecar, entry);
                fsync(file.getParent());

                try (PreparedStatement insert = connection.prepareStatement(INSERT_MANIFEST_SQL)) {
                    insert.setLong(1, id);
                    insert.setString(2, table);
                    insert.setString(3, chunkName);
                    insert.setObject(4, rangeStart);
                    insert.setObject(5, rangeEnd);
                    insert.setLong(6, expectedRows);
                    insert.setString(7, relative);
                    insert.setLong(8, size);
                    insert.setString(9, checksum);
                    insert.setObject(10, createdAt);
                    insert.setObject(11, drop ? createdAt : null);
                    insert.executeUpdate();
                }
                if (drop) {
                    List<String> dropped = new ArrayList<>();
                    try (PreparedStatement statement = connection.prepareStatement("date".equals(timeType) ? DROP_DATE_SQL : DROP_TIMESTAMPTZ_SQL)) {
                        statement.setString(1, table);
                        statement.setObject(2, rangeEnd);
                        statement.setObject(3, rangeStart);
                        try (ResultSet rs = statement.executeQuery()) {
                            while (rs.next()) {
                                dropped.add(rs.getString("dropped"));
                            }
                        }
                    }
                    if (!dropped.equals(List.of(qualified))) {
                        throw new SQLException("drop_chunks for the range of " + qualified + " dropped " + dropped + "; rolled back");
                    }
                }
                connection.commit();
                committed = true;
                return entry;
            } catch (SQLException | IOException | RuntimeException e) {
                connection.rollback();
                throw e;
            } finally {
                if (!committed) {
                    deleteQuietly(partial);
                    deleteQuietly(file);
                    deleteQuietly(sidecar);
                }
            }
        }
    }

    /** Restores the file of manifest row {@code id}. */
    public Restored restore(long id) throws SQLException, IOException {
        ArchiveEntry entry = entry(id);
        Path file = resolve(entry.path());
        if (!Files.isRegularFile(file)) {
            throw new ArchiveException(409, "archive " + id + ": file " + file + " is missing (is the archive volume mounted?)");
        }
        return restore(file, entry.hypertableName(), entry.checksum(), id, entry.path());
    }

    /** Restores a file given by path (CLI: e.g. a file whose manifest row is gone); its metadata names the table. */
    public Restored restoreFile(Path file) throws SQLException, IOException {
        if (!Files.isRegularFile(file)) {
            throw new ArchiveException(404, "no file " + file);
        }
        String table = ParquetArchiveFile.metadata(file).get(ParquetArchiveFile.META_TABLE);
        return restore(file, table, null, null, file.toString());
    }

    private Restored restore(Path file, String table, String expectedChecksum, Long id, String shownPath) throws SQLException, IOException {
        Map<String, String> metadata = ParquetArchiveFile.metadata(file);
        List<PgColumn> fileColumns = ParquetArchiveFile.columns(metadata);
        if (table == null || !table.equals(metadata.get(ParquetArchiveFile.META_TABLE))) {
            throw new ArchiveException(409, shownPath + " holds rows of " + metadata.get(ParquetArchiveFile.META_TABLE)
                    + ", not of " + table);
        }
        if (expectedChecksum != null) {
            String actual = ParquetArchiveFile.read(file, null).checksum();
            if (!actual.equals(expectedChecksum)) {
                throw new ArchiveException(409, shownPath + " was altered: checksum " + actual + ", the manifest recorded " + expectedChecksum);
            }
        }
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                try (PreparedStatement known = connection.prepareStatement(KNOWN_TABLE_SQL)) {
                    known.setString(1, table);
                    try (ResultSet rs = known.executeQuery()) {
                        if (!rs.next()) {
                            throw new ArchiveException(422, "'" + table + "' is not a hypertable of the policy catalog");
                        }
                    }
                }
                Map<String, PgColumn> tableColumns = new LinkedHashMap<>();
                for (PgColumn column : columns(connection, table)) {
                    tableColumns.put(column.name(), column);
                }
                for (PgColumn column : fileColumns) {
                    PgColumn current = tableColumns.get(column.name());
                    if (current == null || !current.type().equals(column.type())) {
                        throw new ArchiveException(409, shownPath + ": column " + column.name() + " (" + column.type() + ") "
                                + (current == null ? "no longer exists in " + table : "is " + current.type() + " in " + table + " now"));
                    }
                }
                String fileList = String.join(", ", fileColumns.stream().map(c -> quote(c.name())).toList());
                String insertList = String.join(", ", fileColumns.stream().filter(c -> !tableColumns.get(c.name()).generated())
                        .map(c -> quote(c.name())).toList());
                String target = "factory_telemetry." + quote(table);
                try (Statement statement = connection.createStatement()) {
                    statement.execute("CREATE TEMP TABLE archive_restore ON COMMIT DROP AS SELECT " + fileList + " FROM " + target + " WITH NO DATA");
                }
                long rows;
                PGCopyOutputStream copy = new PGCopyOutputStream(connection.unwrap(PGConnection.class),
                        "COPY archive_restore (" + fileList + ") FROM STDIN (FORMAT binary)");
                try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(copy, 1 << 16))) {
                    PgBinaryCopy.header(out);
                    rows = ParquetArchiveFile.read(file, row -> PgBinaryCopy.row(out, row)).rows();
                    PgBinaryCopy.trailer(out);
                }
                long inserted;
                try (Statement statement = connection.createStatement()) {
                    inserted = statement.executeUpdate("INSERT INTO " + target + " (" + insertList + ") SELECT " + insertList
                            + " FROM archive_restore ON CONFLICT DO NOTHING");
                }
                connection.commit();
                return new Restored(id, table, shownPath, rows, inserted, rows - inserted);
            } catch (SQLException | IOException | RuntimeException e) {
                connection.rollback();
                if (e instanceof SQLException sql && "0A000".equals(sql.getSQLState())) {
                    throw new ArchiveException(409, "restore into " + table + " refused by TimescaleDB: " + sql.getMessage()
                            + " (decompress the chunks of that range first: SELECT factory_telemetry.decompress_chunk_by_name(…))");
                }
                throw e;
            }
        }
    }

    /** A manifest row; 404 if there is none. */
    public ArchiveEntry entry(long id) throws SQLException {
        try (Connection connection = dataSource.getConnection(); PreparedStatement statement = connection.prepareStatement(MANIFEST_SQL)) {
            statement.setLong(1, id);
            try (ResultSet rs = statement.executeQuery()) {
                if (!rs.next()) {
                    throw new ArchiveException(404, "no archive with id " + id);
                }
                return new ArchiveEntry(rs.getLong("id"), rs.getString("hypertable_name"), rs.getString("chunk_name"),
                        rs.getObject("range_start", OffsetDateTime.class), rs.getObject("range_end", OffsetDateTime.class),
                        rs.getLong("row_count"), rs.getString("path"), rs.getLong("size_bytes"), rs.getString("checksum"),
                        rs.getString("format"), rs.getString("target"), rs.getObject("created_at", OffsetDateTime.class),
                        rs.getObject("dropped_at", OffsetDateTime.class));
            }
        }
    }

    /** The target file of a manifest path, which must stay inside the target directory. */
    Path resolve(String relative) {
        Path root = config.directory().toAbsolutePath().normalize();
        Path file = root.resolve(relative).normalize();
        if (!file.startsWith(root)) {
            throw new ArchiveException(409, "archive path " + relative + " leaves the archive directory");
        }
        return file;
    }

    /** {@code <table>/<year>/<table>_<start>_<end>_<id>.parquet}, from the catalog's table name and the chunk's range. */
    static String relativePath(String table, OffsetDateTime start, OffsetDateTime end, long id) {
        OffsetDateTime startUtc = start.withOffsetSameInstant(ZoneOffset.UTC);
        return table + "/" + startUtc.getYear() + "/" + table + "_" + FILE_TIME.format(startUtc) + "_"
                + FILE_TIME.format(end.withOffsetSameInstant(ZoneOffset.UTC)) + "_" + id + ".parquet";
    }

    static List<PgColumn> columns(Connection connection, String table) throws SQLException {
        List<PgColumn> columns = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement(COLUMNS_SQL)) {
            statement.setString(1, table);
            try (ResultSet rs = statement.executeQuery()) {
                while (rs.next()) {
                    PgColumn column = new PgColumn(rs.getString("attname"), rs.getString("typname"), rs.getInt("element_oid"),
                            rs.getBoolean("attnotnull"), rs.getBoolean("generated"));
                    column.kind(); // refuses a type the archive cannot hold, naming the column
                    columns.add(column);
                }
            }
        }
        return columns;
    }

    private static long count(Connection connection, String qualified) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery("SELECT count(*) FROM " + qualified)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private void writeSidecar(Path sidecar, ArchiveEntry entry) throws IOException {
        Path partial = sidecar.resolveSibling(sidecar.getFileName() + ".partial");
        Files.write(partial, json.writerWithDefaultPrettyPrinter().writeValueAsBytes(entry));
        fsync(partial);
        Files.move(partial, sidecar, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void fsync(Path path) throws IOException {
        try (FileChannel channel = FileChannel.open(path, Files.isDirectory(path) ? StandardOpenOption.READ : StandardOpenOption.WRITE)) {
            channel.force(true);
        }
    }

    private static void deleteQuietly(Path path) {
        if (path != null) {
            try {
                Files.deleteIfExists(path);
            } catch (IOException ignored) {
                // best effort: an orphan file has no manifest row and is never restored by id
            }
        }
    }

    /** Quotes an identifier read from the catalog (pg_attribute), as PostgreSQL's quote_ident does. */
    static String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }
}
