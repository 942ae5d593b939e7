package io.rasd.samples.springrag;

import com.google.gson.JsonObject;
import org.springframework.http.HttpStatus;

/**
 * An API error in OpenAI's shape: {@code {"error": {"message", "type", "param", "code"}}} with an HTTP status.
 */
class ApiException extends RuntimeException {

    private final HttpStatus status;
    private final String type;
    private final String param;
    private final String code;
    /** rasd's extension object of the error body (e.g. a timed-out request's partial answer), or null. */
    private final JsonObject rasd;

    ApiException(HttpStatus status, String type, String code, String param, String message) {
        this(status, type, code, param, message, null);
    }

    ApiException(HttpStatus status, String type, String code, String param, String message, JsonObject rasd) {
        super(message);
        this.status = status;
        this.type = type;
        this.code = code;
        this.param = param;
        this.rasd = rasd;
    }

    static ApiException badRequest(String param, String message) {
        return new ApiException(HttpStatus.BAD_REQUEST, "invalid_request_error", null, param, message);
    }

    HttpStatus status() {
        return status;
    }

    String type() {
        return type;
    }

    String param() {
        return param;
    }

    String code() {
        return code;
    }

    JsonObject rasd() {
        return rasd;
    }
}
