package org.trapdoor.xen.hypercall;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.trapdoor.xen.domain.XenDomain;

/**
 * {@code physdev_op(cmd, arg)} ({@code do_arm_physdev_op}): dispatches the command to the handler a
 * subsystem registered (xpci: the PCI device commands); a command nobody handles returns
 * {@code -ENOSYS}, as Arm Xen does for every command without {@code CONFIG_HAS_PCI}.
 */
public final class PhysdevOp implements HypercallHandler {
    public static final int PHYSDEVOP_PCI_DEVICE_ADD = 25;
    public static final int PHYSDEVOP_PCI_DEVICE_REMOVE = 26;
    public static final int PHYSDEVOP_PCI_DEVICE_RESET = 32;

    private final Map<Integer, PhysdevOpHandler> ops = new ConcurrentHashMap<>();

    /** @throws IllegalStateException if the command has a handler already */
    public void register(int cmd, PhysdevOpHandler handler) {
        if (ops.putIfAbsent(cmd, handler) != null) {
            throw new IllegalStateException("physdev_op " + cmd + " has a handler already");
        }
    }

    public void unregister(int cmd, PhysdevOpHandler handler) {
        ops.remove(cmd, handler);
    }

    @Override
    public long call(XenDomain caller, long cmd, long arg, long a2, long a3, long a4) {
        PhysdevOpHandler h = ops.get((int) cmd);
        if (h == null || (cmd >>> 32) != 0) {
            return -Errno.ENOSYS;
        }
        return h.op(caller, arg);
    }
}
