package dev.factorytelemetry.web;

import io.restassured.RestAssured;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * One HTTP/1.1 exchange over a plain socket, for what HTTP clients will not send: a Content-Length without
 * the body, no Content-Type at all, request lines and headers past the server's limits.
 */
final class RawHttp {

    record Answer(int status, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private RawHttp() {
    }

    /** Sends {@code head} (request line and headers, without the blank line) and {@code body}; reads the answer. */
    static Answer exchange(String head, byte[] body) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", RestAssured.port)) {
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            out.write((head + "\r\nHost: localhost\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            if (body != null) {
                try {
                    out.write(body);
                } catch (SocketException e) {
                    // the server may answer and close before reading the body: read its answer below
                }
            }
            out.flush();
            return read(socket.getInputStream());
        }
    }

    /** Reads one answer: up to its Content-Length, the end of its chunks, or the end of the connection. */
    private static Answer read(InputStream in) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        int headEnd = -1;
        Map<String, String> headers = new TreeMap<>();
        int status = 0;
        try {
            int b;
            while ((b = in.read()) >= 0) {
                all.write(b);
                byte[] bytes = all.toByteArray();
                int n = bytes.length;
                if (headEnd < 0 && n >= 4 && bytes[n - 4] == '\r' && bytes[n - 3] == '\n' && bytes[n - 2] == '\r' && bytes[n - 1] == '\n') {
                    headEnd = n;
                    String[] lines = new String(bytes, 0, n - 4, StandardCharsets.ISO_8859_1).split("\r\n");
                    status = Integer.parseInt(lines[0].split(" ")[1]);
                    for (int i = 1; i < lines.length; i++) {
                        int colon = lines[i].indexOf(':');
                        headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
                    }
                    break;
                }
            }
            if (headEnd < 0) {
                throw new IOException("no HTTP answer: '" + all.toString(StandardCharsets.UTF_8) + "'");
            }
            String length = headers.get("content-length");
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            if (length != null) {
                body.write(in.readNBytes(Integer.parseInt(length)));
            } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
                while (!body.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n0\r\n\r\n")
                        && !body.toString(StandardCharsets.ISO_8859_1).startsWith("0\r\n")) {
                    int c = in.read();
                    if (c < 0) {
                        break;
                    }
                    body.write(c);
                }
                return new Answer(status, headers, unchunk(body.toString(StandardCharsets.UTF_8)));
            } else {
                body.write(in.readAllBytes());
            }
            return new Answer(status, headers, body.toString(StandardCharsets.UTF_8));
        } catch (SocketException e) {
            throw new IOException("connection reset before a complete answer (" + all.size() + " bytes read)", e);
        }
    }

    private static String unchunk(String chunked) {
        StringBuilder out = new StringBuilder();
        int at = 0;
        while (at < chunked.length()) {
            int lineEnd = chunked.indexOf("\r\n", at);
            int size = Integer.parseInt(chunked.substring(at, lineEnd).trim(), 16);
            if (size == 0) {
                break;
            }
            out.append(chunked, lineEnd + 2, lineEnd + 2 + size);
            at = lineEnd + 2 + size + 2;
        }
        return out.toString();
    }
}
