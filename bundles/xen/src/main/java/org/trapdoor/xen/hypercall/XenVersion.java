package org.trapdoor.xen.hypercall;

import java.nio.charset.StandardCharsets;

import org.trapdoor.xen.domain.XenDomain;

/**
 * {@code xen_version(cmd, arg)} ({@code do_xen_version} in {@code common/kernel.c}), the commands a
 * guest uses at boot: the version, the extra version string and the feature bitmap
 * ({@code XENVER_get_features}: {@code struct xen_feature_info} read from and written back to the
 * guest's memory). Other commands return {@code -ENOSYS}.
 */
public final class XenVersion implements HypercallHandler {
    public static final int XENVER_VERSION = 0;
    public static final int XENVER_EXTRAVERSION = 1;
    public static final int XENVER_GET_FEATURES = 6;
    public static final int XENVER_PAGESIZE = 7;

    // public/features.h
    public static final int XENFEAT_WRITABLE_PAGE_TABLES = 0;
    public static final int XENFEAT_AUTO_TRANSLATED_PHYSMAP = 2;
    public static final int XENFEAT_DOM0 = 11;
    public static final int XENFEAT_MEMORY_OP_VNODE_SUPPORTED = 13;
    public static final int XENFEAT_ARM_SMCCC_SUPPORTED = 14;
    public static final int XENFEAT_NOT_DIRECT_MAPPED = 16;
    public static final int XENFEAT_DIRECT_MAPPED = 17;
    public static final int XENFEAT_RUNSTATE_PHYS_AREA = 18;
    /** {@code XENFEAT_NR_SUBMAPS}. */
    public static final int NR_SUBMAPS = 1;
    /** {@code xen_extraversion_t}: char[16]. */
    public static final int EXTRAVERSION_LEN = 16;

    private final int major;
    private final int minor;
    private final String extra;
    private final GuestMemory memory;

    public XenVersion(int major, int minor, String extra, GuestMemory memory) {
        this.major = major;
        this.minor = minor;
        this.extra = extra;
        this.memory = memory;
    }

    @Override
    public long call(XenDomain caller, long cmd, long arg, long a2, long a3, long a4) {
        switch ((int) cmd) {
            case XENVER_VERSION:
                return ((long) major << 16) | minor;
            case XENVER_EXTRAVERSION: {
                byte[] s = new byte[EXTRAVERSION_LEN];
                byte[] e = extra.getBytes(StandardCharsets.US_ASCII);
                // safe_strcpy: truncated, always NUL-terminated.
                System.arraycopy(e, 0, s, 0, Math.min(e.length, EXTRAVERSION_LEN - 1));
                return memory.copyTo(caller, arg, s, 0, s.length) ? 0 : -Errno.EFAULT;
            }
            case XENVER_GET_FEATURES:
                return features(caller, arg);
            case XENVER_PAGESIZE:
                return arg != 0 ? -Errno.EINVAL : 4096;
            default:
                return -Errno.ENOSYS;
        }
    }

    /** {@code struct xen_feature_info { unsigned int submap_idx; uint32_t submap; }}. */
    private long features(XenDomain d, long arg) {
        byte[] fi = new byte[8];
        if (!memory.copyFrom(d, arg, fi, 0, 8)) {
            return -Errno.EFAULT;
        }
        int idx = (fi[0] & 0xff) | (fi[1] & 0xff) << 8 | (fi[2] & 0xff) << 16 | (fi[3] & 0xff) << 24;
        if (idx != 0) {
            return -Errno.EINVAL;
        }
        int submap = submap0(d);
        for (int i = 0; i < 4; i++) {
            fi[4 + i] = (byte) (submap >>> (8 * i));
        }
        return memory.copyTo(d, arg, fi, 0, 8) ? 0 : -Errno.EFAULT;
    }

    /** Submap 0 as Arm Xen fills it: every Arm guest is translated; Dom0 is direct-mapped. */
    public static int submap0(XenDomain d) {
        int m = (1 << XENFEAT_MEMORY_OP_VNODE_SUPPORTED) | (1 << XENFEAT_RUNSTATE_PHYS_AREA)
                | (1 << XENFEAT_WRITABLE_PAGE_TABLES) | (1 << XENFEAT_AUTO_TRANSLATED_PHYSMAP)
                | (1 << XENFEAT_ARM_SMCCC_SUPPORTED);
        if (d.hardwareDomain()) {
            m |= 1 << XENFEAT_DOM0;
        }
        m |= d.hardwareDomain() ? 1 << XENFEAT_DIRECT_MAPPED : 1 << XENFEAT_NOT_DIRECT_MAPPED;
        return m;
    }
}
