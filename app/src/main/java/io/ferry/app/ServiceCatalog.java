package io.ferry.app;

import io.ferry.proxy.ProxySettings;
import io.ferry.settings.SettingsSpec;

import java.util.List;
import java.util.Optional;

/** The services whose settings are declared, in the order the command line lists them. */
final class ServiceCatalog {
    static final List<SettingsSpec> SPECS = List.of(ProxySettings.SPEC);

    private ServiceCatalog() {}

    static Optional<SettingsSpec> find(String service) {
        return SPECS.stream().filter(spec -> spec.service().equals(service)).findFirst();
    }
}
