package io.rasd.samples.springrag;

import jakarta.servlet.http.HttpServletRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.springframework.http.HttpStatus;
import org.springframework.util.unit.DataSize;

/** Request bodies read with a size limit, so no request can make the server buffer without bound. */
final class RequestBodies {

    private RequestBodies() {}

    /** The body as UTF-8, or 413 once it passes {@code limit} (whatever Content-Length claimed). */
    static String read(HttpServletRequest http, DataSize limit) throws IOException {
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
        return out.toString(StandardCharsets.UTF_8);
    }
}
