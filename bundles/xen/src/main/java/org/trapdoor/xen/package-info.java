/** The Xen hypervisor model: the hypervisor facade, its OSGi component and domain life cycle. */
package org.trapdoor.xen;
