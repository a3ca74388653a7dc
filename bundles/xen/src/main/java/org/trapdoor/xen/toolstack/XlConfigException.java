package org.trapdoor.xen.toolstack;

import org.trapdoor.api.hypervisor.HypervisorException;

/** A configuration file or spec string xl would refuse; the message is xl's one line. */
public final class XlConfigException extends HypervisorException {
    private static final long serialVersionUID = 1L;

    public XlConfigException(String message) {
        super(message);
    }
}
