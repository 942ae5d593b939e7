package io.rasd.runtime;

import ai.djl.engine.Engine;
import ai.djl.engine.EngineProvider;
import ai.djl.pytorch.engine.PtEngineProvider;

/**
 * DJL's PyTorch engine provider, preceded by {@link TorchThreads#applyDefaults()}. Listed in
 * {@code META-INF/services/ai.djl.engine.EngineProvider}: DJL instantiates every listed provider when its
 * {@link Engine} class initialises, before it creates any engine, so the thread properties are in place whoever
 * starts PyTorch first (a model load, a trainer, the user's own DJL code) and whatever the class path's order. DJL
 * keeps the first provider registered under a name, this one or PyTorch's own; both hand out PyTorch's single engine.
 */
public final class ThreadDefaultsProvider implements EngineProvider {

    private final PtEngineProvider pytorch = new PtEngineProvider();

    public ThreadDefaultsProvider() {
        TorchThreads.applyDefaults();
    }

    @Override
    public String getEngineName() {
        return pytorch.getEngineName();
    }

    @Override
    public int getEngineRank() {
        return pytorch.getEngineRank();
    }

    @Override
    public Engine getEngine() {
        TorchThreads.applyDefaults();
        return pytorch.getEngine();
    }
}
