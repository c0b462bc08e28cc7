package io.ferry.app;

import java.util.List;
import java.util.Optional;

/** The services the launcher runs, in the order the command line lists them, then the groups of services. */
final class ServiceCatalog {
    static final List<Service> SERVICES = List.of(
            new ProxyService(),
            new CopyService(),
            new MoverService(),
            new VerifyService(),
            new ComparatorService(),
            new ControlService(),
            new RunService(),
            new InterlayService(),
            new AnalyzerService(),
            new AnalyzeService(),
            new CaptureService(),
            new KafkaService(),
            new WorkloadService(),
            new CheckService());

    static final List<ServiceGroup> GROUPS = List.of(
            new ServiceGroup(
                    "errors",
                    "The keys the mover could not copy (the errors topic): list them, export them, copy them again.",
                    List.of(new ErrorsListService(), new ErrorsExportService(), new ErrorsReplayService())),
            MigrateService.GROUP);

    private ServiceCatalog() {}

    /** The service named {@code name}: {@code "copy"}, or {@code "errors list"} for an action of a group. */
    static Optional<Service> find(String name) {
        Optional<Service> service =
                SERVICES.stream().filter(s -> s.spec().service().equals(name)).findFirst();
        if (service.isPresent()) {
            return service;
        }
        return GROUPS.stream()
                .map(group -> group.action(name))
                .flatMap(Optional::stream)
                .findFirst();
    }
}
