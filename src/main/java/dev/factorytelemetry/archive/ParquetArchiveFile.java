package dev.factorytelemetry.archive;

import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Type;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One archive file: a Parquet file with one typed column per table column (zstd pages), written row by row from a
 * chunk's binary COPY stream (the writer holds at most one row group in memory) and read back row by row. The file's
 * key-value metadata names the table, the chunk, its time range and the PostgreSQL type of each column, so that a
 * file restores without its manifest row.
 */
final class ParquetArchiveFile {

    static final String META_TABLE = "factory_telemetry.table";
    static final String META_CHUNK = "factory_telemetry.chunk";
    static final String META_RANGE_START = "factory_telemetry.range_start";
    static final String META_RANGE_END = "factory_telemetry.range_end";
    static final String META_COLUMNS = "factory_telemetry.columns";

    private ParquetArchiveFile() {
    }

    /** The Parquet schema of a table's columns. */
    static MessageType schema(String table, List<PgColumn> columns) {
        return new MessageType(table, columns.stream().map(PgColumn::parquetType).toArray(Type[]::new));
    }

    /** Writes every row of {@code rows} to a new file at {@code path}; returns the rows' count and checksum. */
    static PgBinaryCopy.Digest write(Path path, String table, List<PgColumn> columns, Map<String, String> metadata,
                                     PgBinaryCopy.RowSource rows, long rowGroupBytes) throws IOException {
        MessageType schema = schema(table, columns);
        Map<String, String> meta = new HashMap<>(metadata);
        meta.put(META_TABLE, table);
        meta.put(META_COLUMNS, String.join("\n", columns.stream().map(PgColumn::describe).toList()));
        // an empty configuration: parquet copies entries into a Hadoop Configuration, which parquet-floor's stand-in cannot hold
        PlainParquetConfiguration conf = new PlainParquetConfiguration();
        PgBinaryCopy.Digest digest = new PgBinaryCopy.Digest();
        try (ParquetWriter<byte[][]> writer = new Builder(new LocalOutputFile(path), new RowWriteSupport(schema, columns, meta))
                .withConf(conf)
                .withCompressionCodec(CompressionCodecName.ZSTD)
                .withRowGroupSize(rowGroupBytes)
                .withDictionaryEncoding(true)
                .build()) {
            byte[][] row;
            while ((row = rows.next()) != null) {
                digest.add(row);
                writer.write(row);
            }
        }
        return digest;
    }

    /** The file's key-value metadata. */
    static Map<String, String> metadata(Path path) throws IOException {
        try (ParquetFileReader reader = open(path)) {
            return reader.getFooter().getFileMetaData().getKeyValueMetaData();
        }
    }

    /** The PostgreSQL columns recorded in a file's metadata. */
    static List<PgColumn> columns(Map<String, String> metadata) {
        String described = metadata.get(META_COLUMNS);
        if (described == null) {
            throw new IllegalArgumentException("not an archive of this service: the Parquet file has no " + META_COLUMNS + " metadata");
        }
        return Arrays.stream(described.split("\n")).map(PgColumn::parse).toList();
    }

    /** Reads every row back as binary COPY fields, in file order, handing each to {@code sink}; returns count and checksum. */
    static PgBinaryCopy.Digest read(Path path, RowSink sink) throws IOException {
        try (ParquetFileReader reader = open(path)) {
            MessageType schema = reader.getFooter().getFileMetaData().getSchema();
            List<PgColumn> columns = columns(reader.getFooter().getFileMetaData().getKeyValueMetaData());
            PgBinaryCopy.Digest digest = new PgBinaryCopy.Digest();
            PageReadStore pages;
            while ((pages = reader.readNextRowGroup()) != null) {
                RecordReader<Group> records = new ColumnIOFactory().getColumnIO(schema).getRecordReader(pages, new GroupRecordConverter(schema));
                for (long i = 0, n = pages.getRowCount(); i < n; i++) {
                    Group group = records.read();
                    byte[][] row = new byte[columns.size()][];
                    for (int c = 0; c < row.length; c++) {
                        row[c] = columns.get(c).read(group, c);
                    }
                    digest.add(row);
                    if (sink != null) {
                        sink.accept(row);
                    }
                }
            }
            return digest;
        }
    }

    private static ParquetFileReader open(Path path) throws IOException {
        return ParquetFileReader.open(new LocalInputFile(path), ParquetReadOptions.builder(new PlainParquetConfiguration()).build());
    }

    /** Receives rows read back from a file. */
    interface RowSink {
        void accept(byte[][] row) throws IOException;
    }

    /** Writes rows of binary COPY fields (null: SQL NULL) to the columns of the schema. */
    private static final class RowWriteSupport extends WriteSupport<byte[][]> {

        private final MessageType schema;
        private final List<PgColumn> columns;
        private final Map<String, String> metadata;
        private RecordConsumer out;

        RowWriteSupport(MessageType schema, List<PgColumn> columns, Map<String, String> metadata) {
            this.schema = schema;
            this.columns = columns;
            this.metadata = metadata;
        }

        @Override
        public WriteContext init(Configuration configuration) {
            return new WriteContext(schema, metadata);
        }

        @Override
        public WriteContext init(ParquetConfiguration configuration) {
            return new WriteContext(schema, metadata);
        }

        @Override
        public void prepareForWrite(RecordConsumer recordConsumer) {
            this.out = recordConsumer;
        }

        @Override
        public void write(byte[][] row) {
            out.startMessage();
            for (int i = 0; i < row.length; i++) {
                if (row[i] != null) {
                    PgColumn column = columns.get(i);
                    out.startField(column.name(), i);
                    column.write(out, row[i]);
                    out.endField(column.name(), i);
                }
            }
            out.endMessage();
        }
    }

    private static final class Builder extends ParquetWriter.Builder<byte[][], Builder> {

        private final WriteSupport<byte[][]> writeSupport;

        Builder(LocalOutputFile file, WriteSupport<byte[][]> writeSupport) {
            super(file);
            this.writeSupport = writeSupport;
        }

        @Override
        protected Builder self() {
            return this;
        }

        @Override
        protected WriteSupport<byte[][]> getWriteSupport(Configuration configuration) {
            return writeSupport;
        }

        @Override
        protected WriteSupport<byte[][]> getWriteSupport(ParquetConfiguration configuration) {
            return writeSupport;
        }
    }
}
