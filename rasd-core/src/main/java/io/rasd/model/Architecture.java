package io.rasd.model;

import io.rasd.RasdException;
import java.util.Arrays;
import java.util.stream.Collectors;

/** The decoder families rasd runs. They share one decoder; the differences are flags on {@link ModelConfig}. */
public enum Architecture {
    LLAMA("LlamaForCausalLM"),
    MISTRAL("MistralForCausalLM"),
    /** Qwen2 adds a bias to the q, k and v projections. */
    QWEN2("Qwen2ForCausalLM"),
    /** Qwen3 RMS-normalises every query and key head before RoPE. */
    QWEN3("Qwen3ForCausalLM");

    private final String hfName;

    Architecture(String hfName) {
        this.hfName = hfName;
    }

    public String hfName() {
        return hfName;
    }

    static Architecture fromHfName(String name, String source) {
        for (Architecture a : values()) {
            if (a.hfName.equals(name)) {
                return a;
            }
        }
        throw new RasdException(source + ": architectures[0] = \"" + name + "\" is not supported; expected one of "
                + Arrays.stream(values()).map(Architecture::hfName).collect(Collectors.joining(", ")));
    }
}
