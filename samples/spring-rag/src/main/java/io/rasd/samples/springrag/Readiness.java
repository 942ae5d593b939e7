package io.rasd.samples.springrag;

import org.springframework.stereotype.Component;

/** Whether the documents are ingested: until then the API answers 503 with Retry-After. */
@Component
class Readiness {

    private volatile boolean ready;
    private volatile Throwable failure;

    void ready() {
        ready = true;
    }

    void failed(Throwable t) {
        failure = t;
    }

    boolean isReady() {
        return ready;
    }

    /** Throws the API's 503 while the documents are being ingested (500 when that failed). */
    void check() {
        if (failure != null) {
            throw new ApiException(
                    org.springframework.http.HttpStatus.INTERNAL_SERVER_ERROR,
                    "server_error",
                    null,
                    null,
                    "Document ingestion failed; see the server log");
        }
        if (!ready) {
            throw new ApiException(
                    org.springframework.http.HttpStatus.SERVICE_UNAVAILABLE,
                    "service_unavailable",
                    "loading",
                    null,
                    "The documents are still being ingested; retry in a moment");
        }
    }

    /** Why ingestion failed, or null. */
    Throwable failure() {
        return failure;
    }
}
