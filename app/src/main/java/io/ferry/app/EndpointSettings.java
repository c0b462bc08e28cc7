package io.ferry.app;

import io.ferry.endpoint.RedisEndpoint;
import io.ferry.settings.RedisUri;
import io.ferry.settings.Settings;
import io.ferry.settings.SettingsSpec;
import io.ferry.settings.TlsOptions;
import io.ferry.settings.Validators;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;

import java.util.List;
import java.util.regex.Pattern;

/**
 * The source and target endpoints every service that talks to both declares, once: the two Redis URIs
 * with their TLS settings, read back as {@link RedisEndpoint}s. Each service gives its own help texts.
 */
final class EndpointSettings {
    static final String SOURCE = "source";
    static final String TARGET = "target";
    static final TlsOptions.Keys SOURCE_TLS = TlsOptions.Keys.of(SOURCE);
    static final TlsOptions.Keys TARGET_TLS = TlsOptions.Keys.of(TARGET);
    static final List<SettingsSpec.Rule> RULES = List.of(SOURCE_TLS::problems, TARGET_TLS::problems);
    /** The rules of a service that talks to the source only. */
    static final List<SettingsSpec.Rule> SOURCE_RULES = List.of(SOURCE_TLS::problems);

    /** A URI whose path names a database: {@code redis://host:port/3}. */
    private static final Pattern WITH_DB = Pattern.compile("^rediss?://[^/]*/\\d+$");

    private EndpointSettings() {}

    static ConfigDef define(ConfigDef definition, String sourceHelp, String targetHelp) {
        return TARGET_TLS.define(SOURCE_TLS.define(definition
                .define(
                        SOURCE,
                        Type.STRING,
                        ConfigDef.NO_DEFAULT_VALUE,
                        Validators.redisUri(),
                        Importance.HIGH,
                        sourceHelp)
                .define(
                        TARGET,
                        Type.STRING,
                        ConfigDef.NO_DEFAULT_VALUE,
                        Validators.redisUri(),
                        Importance.HIGH,
                        targetHelp)));
    }

    /** The source alone, with its TLS settings: for a service that never talks to a target. */
    static ConfigDef defineSource(ConfigDef definition, String sourceHelp) {
        return SOURCE_TLS.define(definition.define(
                SOURCE, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, Validators.redisUri(), Importance.HIGH, sourceHelp));
    }

    static RedisEndpoint source(Settings settings) {
        return endpoint(settings, SOURCE, SOURCE_TLS);
    }

    static RedisEndpoint target(Settings settings) {
        return endpoint(settings, TARGET, TARGET_TLS);
    }

    /** The database the source URI names ({@code /3}), or none: every database holding keys. */
    static List<Integer> sourceDbs(Settings settings) {
        String uri = settings.getString(SOURCE);
        return WITH_DB.matcher(uri).matches() ? List.of(RedisUri.parse(uri).db()) : List.of();
    }

    private static RedisEndpoint endpoint(Settings settings, String role, TlsOptions.Keys tls) {
        return new RedisEndpoint(
                role,
                RedisUri.parse(settings.getString(role)),
                tls.read(settings),
                RedisEndpoint.DEFAULT_COMMAND_TIMEOUT);
    }
}
