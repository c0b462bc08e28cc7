package io.ferry.settings;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SecretsTest {
    @Test
    void masksUriPasswordsOnly() {
        assertThat(Secrets.mask("redis://app:pw@h:1 and rediss://pw2@h AUTH x"))
                .isEqualTo("redis://app:[hidden]@h:1 and rediss://[hidden]@h AUTH x");
    }

    @Test
    void maskTextHidesCommandArgumentsTokensAndNamedSecrets() {
        assertThat(Secrets.maskText("AUTH pw")).isEqualTo("AUTH [hidden]");
        assertThat(Secrets.maskText("auth user pw")).isEqualTo("auth [hidden] [hidden]");
        assertThat(Secrets.maskText("[HELLO, 3, AUTH, default, pw]")).isEqualTo("[HELLO, 3, AUTH, [hidden], [hidden]]");
        assertThat(Secrets.maskText("[\"MIGRATE\",\"h\",\"AUTH2\",\"u\",\"pw\"]"))
                .isEqualTo("[\"MIGRATE\",\"h\",\"AUTH2\",\"[hidden]\",\"[hidden]\"]");
        assertThat(Secrets.maskText("CONFIG SET requirepass pw")).isEqualTo("CONFIG SET requirepass [hidden]");
        assertThat(Secrets.maskText("--masterauth pw, requirepass=pw2"))
                .isEqualTo("--masterauth [hidden], requirepass=[hidden]");
        assertThat(Secrets.maskText("Authorization: Bearer abc.def")).isEqualTo("Authorization: Bearer [hidden]");
        assertThat(Secrets.maskText("authorization=Basic dXNlcjpwdw==")).isEqualTo("authorization=Basic [hidden]");
        assertThat(Secrets.maskText("POST /series?api_key=abc&x=1")).isEqualTo("POST /series?api_key=[hidden]&x=1");
        assertThat(Secrets.maskText("{\"password\": \"pw\", \"password_set\": true}"))
                .isEqualTo("{\"password\": \"[hidden]\", \"password_set\": true}");
        assertThat(Secrets.maskText("metrics.datadog.api-key = abc")).isEqualTo("metrics.datadog.api-key = [hidden]");
    }

    @Test
    void maskTextLeavesOrdinaryTextAndMaskedValuesAlone() {
        for (String text : new String[] {
            "copied 3 keys; key=user:1 token-file=/etc/ferry/token tokens: 5",
            "api-token = [hidden]  (flag)",
            "AUTH [hidden]",
            "source.tls.key-file = /etc/k.pem",
            "WRONGTYPE Operation against a key holding the wrong kind of value"
        }) {
            assertThat(Secrets.maskText(text)).isEqualTo(text);
        }
    }

    @Test
    void secretNames() {
        assertThat(Secrets.isSecretName("password")).isTrue();
        assertThat(Secrets.isSecretName("api-token")).isTrue();
        assertThat(Secrets.isSecretName("metrics.datadog.api-key")).isTrue();
        assertThat(Secrets.isSecretName("requirepass")).isTrue();
        assertThat(Secrets.isSecretName("token-file")).isFalse();
        assertThat(Secrets.isSecretName("key")).isFalse();
    }
}
