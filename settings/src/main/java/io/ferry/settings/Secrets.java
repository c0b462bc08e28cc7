package io.ferry.settings;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Masks secrets in text that may be printed: passwords in URIs, values of secret settings. */
public final class Secrets {
    /** What a hidden value prints as. */
    public static final String HIDDEN = "[hidden]";

    // scheme://user:password@  or  scheme://:password@  or scheme://password@ (Redis allows a bare
    // password in the user-info part).
    private static final Pattern URI_USERINFO =
            Pattern.compile("([a-zA-Z][a-zA-Z0-9+.-]*://)([^/@\\s:]*)(:[^/@\\s]*)?@");

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
}
