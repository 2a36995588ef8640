package dev.factorytelemetry.archive;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * PostgreSQL's binary COPY format (COPY … (FORMAT binary)): rows of length-prefixed fields in each type's binary
 * send/receive encoding. Read from {@code COPY … TO STDOUT} one row at a time, written for {@code COPY … FROM STDIN}.
 */
final class PgBinaryCopy {

    private static final byte[] SIGNATURE = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xFF, '\r', '\n', 0};

    private PgBinaryCopy() {
    }

    /** Yields rows one at a time; null at the end. */
    interface RowSource {
        byte[][] next() throws IOException;
    }

    /** Rows of a binary COPY stream (fields as raw bytes, null for NULL). */
    static RowSource reader(InputStream stream, int columns) throws IOException {
        DataInputStream in = new DataInputStream(stream);
        byte[] signature = new byte[SIGNATURE.length];
        in.readFully(signature);
        if (!Arrays.equals(signature, SIGNATURE)) {
            throw new IOException("not a binary COPY stream");
        }
        in.readInt(); // flags
        in.skipNBytes(in.readInt()); // header extension
        return () -> {
            short fields;
            try {
                fields = in.readShort();
            } catch (EOFException end) {
                return null;
            }
            if (fields == -1) {
                return null;
            }
            if (fields != columns) {
                throw new IOException("COPY row has " + fields + " fields, expected " + columns);
            }
            byte[][] row = new byte[fields][];
            for (int i = 0; i < fields; i++) {
                int length = in.readInt();
                if (length >= 0) {
                    row[i] = new byte[length];
                    in.readFully(row[i]);
                }
            }
            return row;
        };
    }

    /** Writes a binary COPY stream: {@link #header}, rows, {@link #trailer}. */
    static void header(DataOutputStream out) throws IOException {
        out.write(SIGNATURE);
        out.writeInt(0);
        out.writeInt(0);
    }

    static void row(DataOutputStream out, byte[][] row) throws IOException {
        out.writeShort(row.length);
        for (byte[] field : row) {
            if (field == null) {
                out.writeInt(-1);
            } else {
                out.writeInt(field.length);
                out.write(field);
            }
        }
    }

    static void trailer(DataOutputStream out) throws IOException {
        out.writeShort(-1);
    }

    /**
     * Row count and SHA-256 over the rows' binary fields (each as length and bytes, -1 for NULL), in order: the same
     * value whether taken from the chunk's COPY stream or from the rows read back from the file.
     */
    static final class Digest {

        private final MessageDigest sha256;
        private final byte[] length = new byte[4];
        private long rows;

        Digest() {
            try {
                sha256 = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        void add(byte[][] row) {
            rows++;
            for (byte[] field : row) {
                int n = field == null ? -1 : field.length;
                length[0] = (byte) (n >>> 24);
                length[1] = (byte) (n >>> 16);
                length[2] = (byte) (n >>> 8);
                length[3] = (byte) n;
                sha256.update(length);
                if (field != null) {
                    sha256.update(field);
                }
            }
        }

        long rows() {
            return rows;
        }

        /** "sha256:" and the hex digest (ends the digest: call once). */
        String checksum() {
            return "sha256:" + HexFormat.of().formatHex(sha256.digest());
        }
    }
}
