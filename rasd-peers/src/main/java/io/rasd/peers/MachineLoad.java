package io.rasd.peers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How busy the machine was with other work while a benchmark ran: the share of all cores' time that other processes
 * used between two snapshots of {@code /proc/stat} (the whole machine) and {@code /proc/self/stat} (this JVM, the
 * peers' natives included). Linux only; elsewhere {@link #otherShareSince} is NaN.
 */
record MachineLoad(long busy, long total, long self) {

    static MachineLoad now() {
        try {
            String[] cpu =
                    Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long total = 0;
            long idle = 0;
            // cpu user nice system idle iowait irq softirq steal guest guest_nice: guest time is inside user already
            for (int i = 1; i < Math.min(cpu.length, 9); i++) {
                long v = Long.parseLong(cpu[i]);
                total += v;
                if (i == 4 || i == 5) {
                    idle += v;
                }
            }
            String stat = Files.readString(Path.of("/proc/self/stat"));
            // after the command name in parentheses: fields from 3 on; utime and stime are fields 14 and 15
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
            long self = Long.parseLong(f[11]) + Long.parseLong(f[12]);
            return new MachineLoad(total - idle, total, self);
        } catch (IOException | RuntimeException e) {
            return new MachineLoad(-1, -1, -1);
        }
    }

    /** Other processes' share of all cores' time since {@code start} (0 to 1), NaN where unknown. */
    double otherShareSince(MachineLoad start) {
        long dt = total - start.total;
        if (start.total < 0 || total < 0 || dt <= 0) {
            return Double.NaN;
        }
        long other = (busy - start.busy) - (self - start.self);
        return Math.max(0, Math.min(1, (double) other / dt));
    }
}
