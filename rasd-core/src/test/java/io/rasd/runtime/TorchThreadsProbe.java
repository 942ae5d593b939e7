package io.rasd.runtime;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;

/** Run in a fresh JVM by {@link TorchThreadsTest}: starts PyTorch as a model load does, prints its thread counts. */
public final class TorchThreadsProbe {

    private TorchThreadsProbe() {}

    public static void main(String[] args) {
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            System.out.println("intra=" + JniUtils.getNumThreads() + " interop=" + JniUtils.getNumInteropThreads()
                    + " property=" + System.getProperty(TorchThreads.INTRA_OP));
        }
    }
}
