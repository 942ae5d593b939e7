package io.rasd.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.rasd.RasdException;
import java.nio.Buffer;
import java.util.concurrent.atomic.LongAdder;

/**
 * The one place in rasd-core that chooses a device, opens a manager on it, places a tensor on it, or copies between
 * the host (Java arrays) and the device. A test ({@code DevicePlacementTest}) fails on any {@code Device.cpu()},
 * {@code toDevice}, manager creation or host copy elsewhere in rasd-core, so a model's tensors cannot silently land on
 * another device, and every copy is counted.
 *
 * <p>Why count: on a GPU each device-to-host read waits for the device to finish, so reads per decoding step bound
 * its speed; {@code HostCopyBudgetTest} asserts a budget per step on the CPU, where the same code runs.
 *
 * <p>Device checks: with assertions on (tests) or {@code -Drasd.debug.devices=true}, the operands of every kernel call
 * are checked to share one device ({@link #requireOneDevice}), so a tensor left on the wrong device fails with its
 * name instead of a native error.
 */
public final class DeviceTensors {

    private static final LongAdder UPLOADS = new LongAdder();
    private static final LongAdder READS = new LongAdder();

    /** Whether operand devices are checked: with {@code -ea} or {@code -Drasd.debug.devices=true}. */
    static final boolean CHECK_DEVICES = assertionsEnabled() || Boolean.getBoolean("rasd.debug.devices");

    private DeviceTensors() {}

    @SuppressWarnings("AssertWithSideEffects")
    private static boolean assertionsEnabled() {
        boolean on = false;
        assert on = true;
        return on;
    }

    /** Host-device copies made so far in this process (every thread): uploads from Java arrays, reads into them. */
    public record Copies(long uploads, long reads) {
        /** The copies made since {@code before}. */
        public Copies since(Copies before) {
            return new Copies(uploads - before.uploads, reads - before.reads);
        }
    }

    public static Copies copies() {
        return new Copies(UPLOADS.sum(), READS.sum());
    }

    /** The device {@code auto} means: the first GPU when DJL's PyTorch engine finds CUDA, else the CPU. */
    static Device auto() {
        return gpuCount() > 0 ? Device.gpu() : Device.cpu();
    }

    /** The CUDA devices DJL's PyTorch engine finds (0 with the CPU natives rasd ships with). */
    static int gpuCount() {
        return Engine.getEngine("PyTorch").getGpuCount();
    }

    /** The host CPU: for what is not a model's (the kernel module, which holds no tensors). */
    static Device host() {
        return Device.cpu();
    }

    /** A new root manager on {@code device}; its sub-managers (one per step) create on the same device. */
    public static NDManager newManager(Device device) {
        return NDManager.newBaseManager(device, "PyTorch");
    }

    /** {@code a} on {@code device}: itself when already there, else a copy owned by {@code a}'s manager. */
    static NDArray place(NDArray a, Device device) {
        if (a.getDevice().equals(device)) {
            return a;
        }
        UPLOADS.increment();
        return moved(a, device);
    }

    /** An array just created from Java data, on {@code m}'s device (managers create on the CPU when told nothing). */
    private static NDArray onDeviceOf(NDArray a, NDManager m) {
        return a.getDevice().equals(m.getDevice()) ? a : moved(a, m.getDevice());
    }

    private static NDArray moved(NDArray a, Device device) {
        NDArray moved = a.toDevice(device, false);
        moved.attach(a.getManager());
        a.close();
        return moved;
    }

    /** Ids as an int64 tensor (torch's index type) on {@code m}'s device. */
    public static NDArray upload(NDManager m, int[] ids) {
        long[] wide = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            wide[i] = ids[i];
        }
        return upload(m, wide);
    }

    public static NDArray upload(NDManager m, long[] values) {
        UPLOADS.increment();
        return onDeviceOf(m.create(values), m);
    }

    public static NDArray upload(NDManager m, float[] values) {
        UPLOADS.increment();
        return onDeviceOf(m.create(values), m);
    }

    public static NDArray upload(NDManager m, float[] values, Shape shape) {
        UPLOADS.increment();
        return onDeviceOf(m.create(values, shape), m);
    }

    public static NDArray upload(NDManager m, float value) {
        UPLOADS.increment();
        return onDeviceOf(m.create(value), m);
    }

    /** Raw little-endian data of {@code type} (weights as read from a file). */
    static NDArray upload(NDManager m, Buffer data, Shape shape, DataType type) {
        UPLOADS.increment();
        return onDeviceOf(m.create(data, shape, type), m);
    }

    /** Reads an integer tensor (any integer type) into Java. */
    public static int[] readInts(NDArray a) {
        READS.increment();
        NDArray i32 = a.getDataType() == DataType.INT32 ? a : a.toType(DataType.INT32, false);
        return i32.toIntArray();
    }

    public static float[] readFloats(NDArray a) {
        READS.increment();
        return a.toFloatArray();
    }

    /** Reads a one-element integer tensor. */
    public static long readLong(NDArray scalar) {
        READS.increment();
        return (scalar.getDataType() == DataType.INT64 ? scalar : scalar.toType(DataType.INT64, false)).getLong();
    }

    /** Reads a one-element float tensor. */
    public static float readFloat(NDArray scalar) {
        READS.increment();
        return scalar.getFloat();
    }

    /** Fails, naming the operand, when the operands of one call lie on more than one device (see class comment). */
    static void requireOneDevice(String call, NDArray... operands) {
        Device first = null;
        for (int i = 0; i < operands.length; i++) {
            if (operands[i] == null) {
                continue;
            }
            Device d = operands[i].getDevice();
            if (first == null) {
                first = d;
            } else if (!first.equals(d)) {
                throw new RasdException(call + ": operand " + i + " (" + operands[i].getShape() + ") is on " + d
                        + " but the others are on " + first + "; a tensor was created outside DeviceTensors");
            }
        }
    }
}
