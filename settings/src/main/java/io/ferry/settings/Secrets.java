package io.ferry.settings;

import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Masks secrets in text that may be printed: passwords in URIs, values of secret settings, and (for
 * log lines, {@link #maskText}) the arguments of {@code AUTH}, secret server parameters, bearer
 * tokens and {@code password=}/{@code token=}/{@code api-key=} values. Stateless and thread-safe.
 */
public final class Secrets {
    /** What a hidden value prints as. */
    public static final String HIDDEN = "[hidden]";

    /**
     * Server parameters whose values are secrets ({@code CONFIG SET requirepass ...}, {@code redis-server
     * --masterauth ...}), lower case. The traffic capture redacts the same parameters.
     */
    public static final List<String> SECRET_CONFIG_PARAMETERS =
            List.of("requirepass", "masterauth", "tls-key-file-pass", "tls-client-key-file-pass");

    // scheme://user:password@  or  scheme://:password@  or scheme://password@ (Redis allows a bare
    // password in the user-info part).
    private static final Pattern URI_USERINFO =
            Pattern.compile("([a-zA-Z][a-zA-Z0-9+.-]*://)([^/@\\s:]*)(:[^/@\\s]*)?@");

    // Separators between the words of a command as it may be logged: "AUTH u p", [AUTH, u, p],
    // ["AUTH","u","p"], 'AUTH' 'p'. A token is what lies between them.
    private static final String SEPARATOR = "[\\s,\"'\\[\\]]+";
    private static final String TOKEN = "[^\\s,;&\"'\\[\\]]+";

    // AUTH [user] password, AUTH2 user password (MIGRATE), HELLO 3 AUTH user password: the two
    // words after it, as a logged command does not say whether the first one is a user name.
    private static final Pattern AUTH_ARGUMENTS = Pattern.compile(
            "(?i)(?<![\\w.-])(auth2?)(" + SEPARATOR + ")(" + TOKEN + ")(?:(" + SEPARATOR + ")(" + TOKEN + "))?");

    // requirepass VALUE, --masterauth VALUE, requirepass=VALUE, "requirepass": "VALUE".
    private static final Pattern CONFIG_PARAMETER = Pattern.compile("(?i)(?<![\\w.-])(-{0,2}(?:"
            + String.join("|", SECRET_CONFIG_PARAMETERS) + ")(?:" + SEPARATOR + "|\\s*[=:]\\s*\"?))(" + TOKEN
            + ")");

    // Authorization: Bearer X, Authorization: Basic X, "Bearer X" anywhere.
    private static final Pattern AUTHORIZATION = Pattern.compile(
            "(?i)((?:(?<![\\w.-])authorization\"?\\s*[:=]\\s*\"?\\s*(?:[a-z]+\\s+)?)|(?:\\bbearer\\s+))(" + TOKEN
                    + ")");

    // password=X, api_key: X, "token":"X", datadog.api-key = X: a name ending in a secret word.
    private static final Pattern SECRET_ASSIGNMENT = Pattern.compile(
            "(?i)((?<![\\w.-])[\\w.-]*?(?:password|passwd|pwd|secret|token|api[-_]?key|access[-_]?key|private[-_]?key)"
                    + "\"?\\s*[=:]\\s*\"?)(" + TOKEN + ")");

    private Secrets() {}

    /**
     * The text with every URI password replaced by {@value #HIDDEN}; a user-info with no ':' is
     * treated as a password too, as Redis URIs allow {@code redis://password@host}.
     */
    public static String mask(String text) {
        if (text == null || text.indexOf("://") < 0) {
            return text;
        }
        Matcher matcher = URI_USERINFO.matcher(text);
        StringBuilder out = new StringBuilder();
        while (matcher.find()) {
            String scheme = matcher.group(1);
            String user = matcher.group(2);
            String replacement = matcher.group(3) == null ? scheme + HIDDEN + "@" : scheme + user + ":" + HIDDEN + "@";
            matcher.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        matcher.appendTail(out);
        return out.toString();
    }

    /**
     * {@link #mask} and more, for free text that may hold secrets a caller did not mean to print (a log
     * line, an exception's message): the one or two words after {@code AUTH} or {@code AUTH2}, the value
     * after a secret server parameter ({@link #SECRET_CONFIG_PARAMETERS}), the credentials of an {@code
     * Authorization} header and of {@code Bearer}, and the value of anything named like a secret ({@code
     * password=}, {@code "token": "..."}, {@code api_key=}, {@code metrics.datadog.api-key = ...}). Errs
     * on the side of hiding: a word after "auth" in prose is hidden too.
     */
    public static String maskText(String text) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        String masked = mask(text);
        String lower = masked.toLowerCase(Locale.ROOT);
        if (lower.contains("auth")) {
            masked = AUTH_ARGUMENTS
                    .matcher(masked)
                    .replaceAll(match -> Matcher.quoteReplacement(
                            isHidden(match.group(3))
                                    ? match.group()
                                    : match.group(1)
                                            + match.group(2)
                                            + HIDDEN
                                            + (match.group(4) == null ? "" : match.group(4) + HIDDEN)));
        }
        if (SECRET_CONFIG_PARAMETERS.stream().anyMatch(lower::contains)) {
            masked = hideSecondGroup(CONFIG_PARAMETER, masked);
        }
        if (lower.contains("authorization") || lower.contains("bearer")) {
            masked = hideSecondGroup(AUTHORIZATION, masked);
        }
        if (lower.contains("pass")
                || lower.contains("pwd")
                || lower.contains("secret")
                || lower.contains("token")
                || lower.contains("key")) {
            masked = hideSecondGroup(SECRET_ASSIGNMENT, masked);
        }
        return masked;
    }

    /** True when a value named {@code name} (a setting, a log field) is a secret by its name alone. */
    public static boolean isSecretName(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return SECRET_CONFIG_PARAMETERS.contains(lower)
                || lower.matches(".*(password|passwd|pwd|secret|token|api[-_]?key|access[-_]?key|private[-_]?key)")
                || lower.equals("authorization")
                || lower.equals("auth");
    }

    private static String hideSecondGroup(Pattern pattern, String text) {
        return pattern.matcher(text)
                .replaceAll(match ->
                        Matcher.quoteReplacement(isHidden(match.group(2)) ? match.group() : match.group(1) + HIDDEN));
    }

    // Already masked ("[hidden]", or its inside when brackets count as separators).
    private static boolean isHidden(String token) {
        return token.equals(HIDDEN) || token.equals("hidden");
    }
}
