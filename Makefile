# Ferry's two commands: `make demo` (the main job) and `make test` (every test).
MVN ?= mvn
MVN_FLAGS ?= -B -ntp

.PHONY: build test demo chaos format docs bench-proxy bench-analyzer clean tools

## tools: JDK, Maven and redis-server (apt-get install redis-server when missing and root)
tools:
	@scripts/ensure-tools.sh

## build: package every module and the ferry launcher jar, skipping tests (redis-server not needed)
build:
	$(MVN) $(MVN_FLAGS) -DskipTests -Dspotless.check.skip=true package

## test: unit tests (*Test), integration tests (*IT) against real redis-server and Kafka, format check
test: tools
	$(MVN) $(MVN_FLAGS) -T 2 verify

## chaos: the fault suite's long form: each fault alone in a migration of its own (10k keys), then every fault in one
## migration with 300k keys and longer steps (make test runs every fault in one short migration)
chaos: tools
	$(MVN) $(MVN_FLAGS) -q install -DskipTests -Dspotless.check.skip=true
	$(MVN) $(MVN_FLAGS) verify -pl app -Dtest=none -Dit.test=FaultSuiteIT -Dchaos.long=true -Dchaos.scenarios=each \
	  -Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false -Dspotless.check.skip=true
	@cat app/target/fault-suite.txt

## format: apply the project's Java format and import order
format:
	$(MVN) $(MVN_FLAGS) spotless:apply

## docs: regenerate docs/api.md (from the OpenAPI document) and docs/configuration.md (from the declared settings)
docs:
	$(MVN) $(MVN_FLAGS) verify -pl app -am -Dtest=ReferenceDocsTest -Dferry.docs.update=true -Dit.test=none \
	  -Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false -Dspotless.check.skip=true

## demo: a live migration between two local Redis servers while a client writes (scripts/demo.sh)
demo:
	@FERRY_NEED_DEMO_TOOLS=1 scripts/ensure-tools.sh
	scripts/demo.sh

## bench-proxy: redis-benchmark against redis-server directly, through Ferry and through twemproxy (bench/README.md)
bench-proxy:
	@FERRY_NEED_BENCH_TOOLS=1 scripts/ensure-tools.sh
	$(MAKE) --no-print-directory build
	bench/proxy.sh

## bench-analyzer: analyzer throughput on one million synthetic traffic records (bench/README.md)
bench-analyzer:
	$(MAKE) --no-print-directory build
	bench/analyzer.sh

clean:
	$(MVN) $(MVN_FLAGS) clean
