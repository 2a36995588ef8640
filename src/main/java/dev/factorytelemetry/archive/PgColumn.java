package dev.factorytelemetry.archive;

import org.apache.parquet.example.data.Group;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;
import org.apache.parquet.schema.Types;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * One column of an archived hypertable: its PostgreSQL type and how a value moves between PostgreSQL's binary COPY
 * encoding and a typed Parquet column. The binary encoding is the exact value (no text round trip), so the archive's
 * checksum, taken over the binary fields, proves that the file holds what the chunk held.
 *
 * @param name      column name
 * @param type      PostgreSQL type name ({@code pg_type.typname}: int4, timestamptz, _text, …)
 * @param elementOid element type oid for arrays (binary array headers carry it), 0 otherwise
 * @param notNull   NOT NULL in the table: a required Parquet column
 * @param generated a generated column: exported, never inserted on restore
 */
public record PgColumn(String name, String type, int elementOid, boolean notNull, boolean generated) {

    /** Microseconds and days between the Unix epoch and PostgreSQL's (2000-01-01). */
    static final long PG_EPOCH_MICROS = 946_684_800_000_000L;
    static final int PG_EPOCH_DAYS = 10_957;

    /** The PostgreSQL types an archive can hold. */
    enum Kind { INT2, INT4, INT8, FLOAT4, FLOAT8, BOOL, TEXT, TIMESTAMPTZ, DATE, UUID, TEXT_ARRAY }

    Kind kind() {
        return switch (type) {
            case "int2" -> Kind.INT2;
            case "int4" -> Kind.INT4;
            case "int8" -> Kind.INT8;
            case "float4" -> Kind.FLOAT4;
            case "float8" -> Kind.FLOAT8;
            case "bool" -> Kind.BOOL;
            case "text", "varchar", "bpchar" -> Kind.TEXT;
            case "timestamptz" -> Kind.TIMESTAMPTZ;
            case "date" -> Kind.DATE;
            case "uuid" -> Kind.UUID;
            case "_text", "_varchar" -> Kind.TEXT_ARRAY;
            default -> throw new IllegalArgumentException("column " + name + " has type " + type
                    + ", which the archive cannot hold (supported: smallint, integer, bigint, real, double precision, boolean, "
                    + "text, varchar, timestamptz, date, uuid, text[])");
        };
    }

    /** The Parquet field of this column. */
    Type parquetType() {
        Type.Repetition repetition = notNull ? Type.Repetition.REQUIRED : Type.Repetition.OPTIONAL;
        return switch (kind()) {
            case INT2 -> Types.primitive(PrimitiveTypeName.INT32, repetition).as(LogicalTypeAnnotation.intType(16, true)).named(name);
            case INT4 -> Types.primitive(PrimitiveTypeName.INT32, repetition).named(name);
            case INT8 -> Types.primitive(PrimitiveTypeName.INT64, repetition).named(name);
            case FLOAT4 -> Types.primitive(PrimitiveTypeName.FLOAT, repetition).named(name);
            case FLOAT8 -> Types.primitive(PrimitiveTypeName.DOUBLE, repetition).named(name);
            case BOOL -> Types.primitive(PrimitiveTypeName.BOOLEAN, repetition).named(name);
            case TEXT -> Types.primitive(PrimitiveTypeName.BINARY, repetition).as(LogicalTypeAnnotation.stringType()).named(name);
            case TIMESTAMPTZ -> Types.primitive(PrimitiveTypeName.INT64, repetition)
                    .as(LogicalTypeAnnotation.timestampType(true, LogicalTypeAnnotation.TimeUnit.MICROS)).named(name);
            case DATE -> Types.primitive(PrimitiveTypeName.INT32, repetition).as(LogicalTypeAnnotation.dateType()).named(name);
            case UUID -> Types.primitive(PrimitiveTypeName.FIXED_LEN_BYTE_ARRAY, repetition).length(16)
                    .as(LogicalTypeAnnotation.uuidType()).named(name);
            case TEXT_ARRAY -> Types.list(repetition)
                    .optionalElement(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(name);
        };
    }

    /** Writes one non-null value, given as its binary COPY field, to the current Parquet field. */
    void write(RecordConsumer out, byte[] field) {
        ByteBuffer in = ByteBuffer.wrap(field);
        switch (kind()) {
            case INT2 -> out.addInteger(in.getShort());
            case INT4 -> out.addInteger(in.getInt());
            case INT8 -> out.addLong(in.getLong());
            case FLOAT4 -> out.addFloat(in.getFloat());
            case FLOAT8 -> out.addDouble(in.getDouble());
            case BOOL -> out.addBoolean(field[0] != 0);
            case TEXT, UUID -> out.addBinary(Binary.fromConstantByteArray(field));
            case TIMESTAMPTZ -> out.addLong(in.getLong() + PG_EPOCH_MICROS);
            case DATE -> out.addInteger(in.getInt() + PG_EPOCH_DAYS);
            case TEXT_ARRAY -> writeList(out, in);
        }
    }

    private void writeList(RecordConsumer out, ByteBuffer in) {
        int dimensions = in.getInt();
        in.getInt(); // has-nulls flag
        in.getInt(); // element type
        if (dimensions > 1) {
            throw new IllegalArgumentException("column " + name + " holds a " + dimensions + "-dimensional array; archives hold one dimension");
        }
        int size = 0;
        if (dimensions == 1) {
            size = in.getInt();
            int lowerBound = in.getInt();
            if (lowerBound != 1) {
                throw new IllegalArgumentException("column " + name + " holds an array with lower bound " + lowerBound + "; archives hold 1-based arrays");
            }
        }
        out.startGroup();
        if (size > 0) {
            out.startField("list", 0);
            for (int i = 0; i < size; i++) {
                out.startGroup();
                int length = in.getInt();
                if (length >= 0) {
                    byte[] element = new byte[length];
                    in.get(element);
                    out.startField("element", 0);
                    out.addBinary(Binary.fromConstantByteArray(element));
                    out.endField("element", 0);
                }
                out.endGroup();
            }
            out.endField("list", 0);
        }
        out.endGroup();
    }

    /** The binary COPY field of field {@code index} of a row read back from Parquet; null for a null value. */
    byte[] read(Group row, int index) {
        if (row.getFieldRepetitionCount(index) == 0) {
            return null;
        }
        return switch (kind()) {
            case INT2 -> ByteBuffer.allocate(2).putShort((short) row.getInteger(index, 0)).array();
            case INT4 -> ByteBuffer.allocate(4).putInt(row.getInteger(index, 0)).array();
            case INT8 -> ByteBuffer.allocate(8).putLong(row.getLong(index, 0)).array();
            case FLOAT4 -> ByteBuffer.allocate(4).putFloat(row.getFloat(index, 0)).array();
            case FLOAT8 -> ByteBuffer.allocate(8).putDouble(row.getDouble(index, 0)).array();
            case BOOL -> new byte[] {(byte) (row.getBoolean(index, 0) ? 1 : 0)};
            case TEXT, UUID -> row.getBinary(index, 0).getBytes();
            case TIMESTAMPTZ -> ByteBuffer.allocate(8).putLong(row.getLong(index, 0) - PG_EPOCH_MICROS).array();
            case DATE -> ByteBuffer.allocate(4).putInt(row.getInteger(index, 0) - PG_EPOCH_DAYS).array();
            case TEXT_ARRAY -> readList(row.getGroup(index, 0));
        };
    }

    private byte[] readList(Group list) {
        int size = list.getFieldRepetitionCount(0);
        List<byte[]> elements = new ArrayList<>(size);
        boolean hasNulls = false;
        int bytes = 0;
        for (int i = 0; i < size; i++) {
            Group element = list.getGroup(0, i);
            byte[] value = element.getFieldRepetitionCount(0) == 0 ? null : element.getBinary(0, 0).getBytes();
            hasNulls |= value == null;
            bytes += 4 + (value == null ? 0 : value.length);
            elements.add(value);
        }
        // PostgreSQL writes an empty array with no dimensions
        ByteBuffer out = ByteBuffer.allocate(12 + (size > 0 ? 8 : 0) + bytes);
        out.putInt(size > 0 ? 1 : 0).putInt(hasNulls ? 1 : 0).putInt(elementOid);
        if (size > 0) {
            out.putInt(size).putInt(1);
        }
        for (byte[] value : elements) {
            if (value == null) {
                out.putInt(-1);
            } else {
                out.putInt(value.length).put(value);
            }
        }
        return out.array();
    }

    /** "name:type:elementOid:notNull:generated", as stored in the file's metadata. */
    String describe() {
        return name + ":" + type + ":" + elementOid + ":" + notNull + ":" + generated;
    }

    static PgColumn parse(String described) {
        String[] parts = described.split(":");
        return new PgColumn(parts[0], parts[1], Integer.parseInt(parts[2]), Boolean.parseBoolean(parts[3]), Boolean.parseBoolean(parts[4]));
    }
}
