package io.rasd.samples.springrag;

import jakarta.servlet.http.HttpServletRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.springframework.http.HttpStatus;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.util.unit.DataSize;

/**
 * Request bodies read strictly: JSON only (415 for any other content type), with a size limit (413), so no request
 * can make the server buffer without bound, and as UTF-8 only (400 naming the first byte that is not), so a client
 * with an encoding bug hears of it instead of having its text silently changed.
 */
final class RequestBodies {

    private RequestBodies() {}

    /**
     * The body as UTF-8 text; 415 unless it is sent as JSON, 413 once it passes {@code limit} (whatever
     * Content-Length claimed), 400 when its bytes are not UTF-8.
     */
    static String read(HttpServletRequest http, DataSize limit) throws IOException {
        checkContentType(http.getContentType());
        long max = limit.toBytes();
        ApiException tooLarge = new ApiException(
                HttpStatus.PAYLOAD_TOO_LARGE,
                "invalid_request_error",
                "request_too_large",
                null,
                "The request body is larger than the limit of " + max + " bytes");
        if (http.getContentLengthLong() > max) {
            throw tooLarge;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        try (InputStream in = http.getInputStream()) {
            for (int n; (n = in.read(buf)) > 0; ) {
                out.write(buf, 0, n);
                if (out.size() > max) {
                    throw tooLarge;
                }
            }
        }
        return utf8(out.toByteArray());
    }

    /** JSON ({@code application/json} or {@code application/*+json}), in UTF-8 if a charset is named; else 415. */
    static void checkContentType(String header) {
        if (header == null || header.isBlank()) {
            throw unsupported("The request has no Content-Type; this API takes JSON: send Content-Type: "
                    + MediaType.APPLICATION_JSON_VALUE);
        }
        MediaType type;
        try {
            type = MediaType.parseMediaType(header);
        } catch (InvalidMediaTypeException e) {
            throw unsupported("The Content-Type '" + header + "' is not a media type; this API takes "
                    + MediaType.APPLICATION_JSON_VALUE);
        }
        boolean json = MediaType.APPLICATION_JSON.includes(type)
                || ("application".equals(type.getType()) && type.getSubtype().endsWith("+json"));
        if (!json) {
            throw unsupported("The request body is sent as '" + type.getType() + "/" + type.getSubtype()
                    + "' (Content-Type); this API takes " + MediaType.APPLICATION_JSON_VALUE);
        }
        String charset = type.getParameter("charset");
        if (charset != null) {
            String name = charset.replace("\"", "").trim().toLowerCase(Locale.ROOT);
            if (!name.equals("utf-8") && !name.equals("utf8")) {
                throw unsupported("The request body is sent as " + MediaType.APPLICATION_JSON_VALUE + " in charset '"
                        + charset + "'; this API takes JSON in UTF-8 (" + MediaType.APPLICATION_JSON_VALUE
                        + "; charset=utf-8, or no charset)");
            }
        }
    }

    private static ApiException unsupported(String message) {
        return new ApiException(
                HttpStatus.UNSUPPORTED_MEDIA_TYPE, "invalid_request_error", "unsupported_media_type", null, message);
    }

    /** The bytes as UTF-8 text, or 400 naming the byte offset of the first byte sequence that is not UTF-8. */
    static String utf8(byte[] bytes) {
        CharsetDecoder decoder = StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length); // UTF-8 never decodes to more chars than bytes
        CoderResult result = decoder.decode(in, out, true);
        if (!result.isError()) {
            result = decoder.flush(out);
        }
        if (result.isError()) {
            int at = in.position();
            StringBuilder seq = new StringBuilder();
            for (int i = at; i < Math.min(bytes.length, at + result.length()); i++) {
                seq.append(seq.isEmpty() ? "" : " ").append(String.format("0x%02X", bytes[i] & 0xFF));
            }
            throw ApiException.badRequest(
                    null,
                    "The request body is not valid UTF-8 at byte offset " + at + " (" + seq
                            + "); JSON must be sent in UTF-8");
        }
        return out.flip().toString();
    }
}
