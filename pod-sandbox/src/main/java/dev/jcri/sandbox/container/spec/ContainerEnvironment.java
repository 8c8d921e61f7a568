package dev.jcri.sandbox.container.spec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The process environment: defaults, then the image's Env, then the container's envs, each overriding earlier
 * entries of the same name in place so the order stays stable.
 */
final class ContainerEnvironment {
    static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private ContainerEnvironment() {}

    static List<String> of(
            List<String> imageEnv, List<ContainerSpec.EnvVar> containerEnv, String hostname, boolean tty) {
        Map<String, String> env = new LinkedHashMap<>();
        // Defaults first, so that the image and the container may override them.
        env.put("PATH", DEFAULT_PATH);
        if (!hostname.isEmpty()) {
            env.put("HOSTNAME", hostname);
        }
        for (String entry : imageEnv) {
            int equals = entry.indexOf('=');
            // The image spec requires VARNAME=VARVALUE; anything else would reach execve as garbage.
            if (equals > 0) {
                env.put(entry.substring(0, equals), entry.substring(equals + 1));
            }
        }
        for (int i = 0; i < containerEnv.size(); i++) {
            ContainerSpec.EnvVar variable = containerEnv.get(i);
            String key = variable.key();
            if (key.isEmpty() || key.indexOf('=') >= 0 || key.indexOf('\0') >= 0) {
                throw new IllegalArgumentException(
                        "envs[" + i + "].key: \"" + key + "\" is not a variable name (empty, or holds '=' or NUL)");
            }
            if (variable.value().indexOf('\0') >= 0) {
                throw new IllegalArgumentException("envs[" + i + "].value of " + key + " holds a NUL character");
            }
            env.put(key, variable.value());
        }
        if (tty) {
            env.putIfAbsent("TERM", "xterm");
        }
        List<String> result = new ArrayList<>(env.size());
        env.forEach((key, value) -> result.add(key + "=" + value));
        return List.copyOf(result);
    }
}
