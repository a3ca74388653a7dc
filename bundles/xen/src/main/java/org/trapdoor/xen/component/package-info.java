/** The OSGi side of Xen: the component that boots it on a {@code hypervisor=xen} machine and publishes it. */
package org.trapdoor.xen.component;
