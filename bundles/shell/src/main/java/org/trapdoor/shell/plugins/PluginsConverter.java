package org.trapdoor.shell.plugins;

import java.util.ArrayList;
import java.util.List;

import org.apache.felix.service.command.Converter;
import org.osgi.service.component.annotations.Component;
import org.trapdoor.shell.command.Table;

/** Renders {@link PluginListing} for Gogo. */
@Component(service = Converter.class)
public final class PluginsConverter implements Converter {
    @Override
    public Object convert(Class<?> desiredType, Object in) {
        return null;
    }

    @Override
    public CharSequence format(Object target, int level, Converter escape) {
        if (target instanceof PluginListing p) {
            return level == INSPECT ? render(p) : p.jars().size() + " plugin jar(s)";
        }
        if (target instanceof PluginEvent e) {
            return e.time().withNano(0) + "  " + e.kind().name().toLowerCase(java.util.Locale.ROOT) + "  " + e.line();
        }
        return null;
    }

    static String render(PluginListing p) {
        StringBuilder sb = new StringBuilder();
        if (p.directory() == null) {
            return "no plugins folder: the launcher named none (./trapdoor watches plugins/ beside it)";
        }
        sb.append("plugins folder ").append(p.directory()).append('\n');
        if (p.jars().isEmpty()) {
            sb.append("no jars\n");
        } else {
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"JAR", "BUNDLE", "STATE"});
            p.jars().entrySet().stream().sorted(java.util.Map.Entry.comparingByKey()).forEach(e -> {
                PluginDeployer.Deployment d = e.getValue();
                String bundle = d.jar().name() == null ? "-" : d.jar().bundle();
                String state = switch (d.role()) {
                    case OWN -> "installed";
                    case REPLACES_BUILT_IN -> "replaces the built-in bundle";
                    case NONE -> "not deployed: " + d.outcome();
                };
                rows.add(new String[] {e.getKey(), bundle, state});
            });
            sb.append(Table.render(rows)).append('\n');
        }
        if (!p.events().isEmpty()) {
            sb.append("history:\n");
            for (PluginEvent e : p.events()) {
                sb.append("  ").append(e.time().withNano(0)).append("  ")
                        .append(e.kind().name().toLowerCase(java.util.Locale.ROOT)).append("  ").append(e.line())
                        .append('\n');
            }
        }
        return sb.toString().stripTrailing();
    }
}
