package io.rasd.samples.springrag;

import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/** Every API failure as an OpenAI-shaped error with its status; never a stack trace. */
@RestControllerAdvice
class ApiExceptionHandler {

    @ExceptionHandler(ApiException.class)
    ResponseEntity<String> apiError(ApiException e) {
        return ApiErrors.response(e);
    }

    @ExceptionHandler(RuntimeException.class)
    ResponseEntity<String> failure(RuntimeException e) {
        return ApiErrors.response(ApiErrors.toApi(e));
    }
}
