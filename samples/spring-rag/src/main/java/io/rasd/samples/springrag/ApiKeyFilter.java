package io.rasd.samples.springrag;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * With {@code rag.api.key} set, {@code /v1/**} and {@code /api/**} need {@code Authorization: Bearer KEY}; the key is
 * compared in constant time. The page and the actuator stay open.
 */
@Component
class ApiKeyFilter extends OncePerRequestFilter {

    /** SHA-256 of the key: comparing digests takes the same time whatever the given key's length. */
    private final byte[] keyDigest;

    ApiKeyFilter(RagProperties properties) {
        String k = properties.getApi().getKey();
        this.keyDigest = k == null || k.isEmpty() ? null : sha256(k.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        String path = request.getRequestURI().substring(request.getContextPath().length());
        return keyDigest == null || !(path.startsWith("/v1/") || path.startsWith("/api/"));
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String header = request.getHeader("Authorization");
        byte[] given = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)
                ? header.substring(7).trim().getBytes(StandardCharsets.UTF_8)
                : new byte[0];
        if (!MessageDigest.isEqual(sha256(given), keyDigest)) {
            ApiException e = new ApiException(
                    HttpStatus.UNAUTHORIZED,
                    "invalid_request_error",
                    "invalid_api_key",
                    null,
                    header == null
                            ? "Missing API key: send Authorization: Bearer <key>"
                            : "Incorrect API key provided");
            response.setStatus(e.status().value());
            response.setContentType(MediaType.APPLICATION_JSON_VALUE);
            response.setHeader("WWW-Authenticate", "Bearer");
            response.getOutputStream().write(ApiErrors.body(e).toString().getBytes(StandardCharsets.UTF_8));
            return;
        }
        chain.doFilter(request, response);
    }
}
