package io.rasd.samples.springrag;

import com.google.gson.JsonObject;
import dev.langchain4j.exception.InvalidRequestException;
import dev.langchain4j.exception.ModelNotFoundException;
import dev.langchain4j.exception.RateLimitException;
import dev.langchain4j.exception.UnsupportedFeatureException;
import io.rasd.engine.RasdBusyException;
import io.rasd.engine.RasdTimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

/** Maps failures to OpenAI-shaped error responses; never a stack trace. */
final class ApiErrors {

    private static final Logger LOG = LoggerFactory.getLogger(ApiErrors.class);

    private ApiErrors() {}

    /** The API error a failure of the chat model (or of request handling) stands for. */
    static ApiException toApi(Throwable t) {
        if (t instanceof ApiException a) {
            return a;
        }
        if (t instanceof ModelNotFoundException) {
            return new ApiException(
                    HttpStatus.NOT_FOUND, "invalid_request_error", "model_not_found", "model", t.getMessage());
        }
        if (t instanceof RateLimitException || t instanceof RasdBusyException) {
            return new ApiException(
                    HttpStatus.TOO_MANY_REQUESTS,
                    "rate_limit_error",
                    "rate_limit_exceeded",
                    null,
                    "The engine's queue is full; retry later (" + t.getMessage() + ")");
        }
        RasdTimeoutException timeout = timeoutIn(t);
        if (timeout != null) {
            // 504, not 408: the request arrived whole (408 says the server gave up waiting for it); what ran out of
            // time is the model behind the API, as with a gateway whose upstream is too slow
            JsonObject partial = new JsonObject();
            partial.addProperty("partial_content", timeout.partialResult().text());
            partial.addProperty("completion_tokens", timeout.partialResult().tokens().length);
            return new ApiException(
                    HttpStatus.GATEWAY_TIMEOUT,
                    "timeout_error",
                    "generation_timeout",
                    null,
                    timeout.getMessage(),
                    partial);
        }
        if (t instanceof UnsupportedFeatureException || t instanceof InvalidRequestException) {
            return ApiException.badRequest(null, t.getMessage());
        }
        LOG.error("Request failed", t);
        return new ApiException(
                HttpStatus.INTERNAL_SERVER_ERROR,
                "server_error",
                null,
                null,
                "The server failed to answer this request; its log has the details");
    }

    /** The engine's timeout, as thrown or as the cause of LangChain4j's {@code TimeoutException}; null if none. */
    private static RasdTimeoutException timeoutIn(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof RasdTimeoutException r) {
                return r;
            }
        }
        return null;
    }

    static JsonObject body(ApiException e) {
        JsonObject error = new JsonObject();
        error.addProperty("message", e.getMessage());
        error.addProperty("type", e.type());
        error.addProperty("param", e.param());
        error.addProperty("code", e.code());
        JsonObject body = new JsonObject();
        body.add("error", error);
        if (e.rasd() != null) {
            body.add("rasd", e.rasd());
        }
        return body;
    }

    static ResponseEntity<String> response(ApiException e) {
        ResponseEntity.BodyBuilder b = ResponseEntity.status(e.status()).contentType(MediaType.APPLICATION_JSON);
        if (e.status() == HttpStatus.SERVICE_UNAVAILABLE || e.status() == HttpStatus.TOO_MANY_REQUESTS) {
            b.header("Retry-After", "1");
        }
        return b.body(body(e).toString());
    }
}
