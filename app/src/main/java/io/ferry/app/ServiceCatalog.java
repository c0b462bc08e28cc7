package io.ferry.app;

import java.util.List;
import java.util.Optional;

/** The services the launcher runs, in the order the command line lists them. */
final class ServiceCatalog {
    static final List<Service> SERVICES = List.of(new ProxyService(), new CopyService(), new KafkaService());

    private ServiceCatalog() {}

    static Optional<Service> find(String name) {
        return SERVICES.stream().filter(s -> s.spec().service().equals(name)).findFirst();
    }
}
