package io.rasd.langchain4j;

import io.rasd.engine.Cancellation;
import io.rasd.engine.GenerationListener;
import io.rasd.engine.GenerationRequest;
import io.rasd.engine.GenerationResult;
import io.rasd.engine.RasdEngine;
import io.rasd.engine.Reservation;
import io.rasd.testing.ScriptedAnswers;

/** Chat models that take {@link ScriptedAnswers}' answers where the engine would generate. */
final class ScriptedChatModels {

    private ScriptedChatModels() {}

    static RasdChatModel chatModel(RasdEngine engine, ScriptedAnswers script, RasdChatModel.Builder builder) {
        return new RasdChatModel(builder.engine(engine)) {
            @Override
            protected GenerationResult generate(
                    GenerationRequest r, GenerationListener l, Cancellation c, Reservation reservation) {
                return script.answer(r, l);
            }
        };
    }

    static RasdStreamingChatModel streamingModel(
            RasdEngine engine, ScriptedAnswers script, RasdStreamingChatModel.Builder builder) {
        return new RasdStreamingChatModel(builder.engine(engine)) {
            @Override
            protected GenerationResult generate(
                    GenerationRequest r, GenerationListener l, Cancellation c, Reservation reservation) {
                if (reservation != null) {
                    reservation.close();
                }
                return script.answer(r, l);
            }
        };
    }
}
