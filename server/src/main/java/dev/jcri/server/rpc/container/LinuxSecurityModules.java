package dev.jcri.server.rpc.container;

import dev.jcri.cri.v1.LinuxContainerSecurityContext;
import dev.jcri.cri.v1.SELinuxOption;
import dev.jcri.cri.v1.SecurityProfile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * AppArmor and SELinux as this node has them, and the rule jcri applies to requests for them: a request jcri
 * cannot honour is refused with a message that says why, never run unconfined in silence.
 *
 * <p>jcri applies no AppArmor profile and no SELinux label yet. On a node without AppArmor, RuntimeDefault and
 * Unconfined mean the same (there is nothing to confine with), as CRI-O and containerd treat them; a Localhost
 * profile, or SELinux options, are refused. On a node with AppArmor or SELinux, any request that would need jcri
 * to apply a profile or label is refused too, until that support lands.
 */
public record LinuxSecurityModules(boolean appArmor, boolean selinux) {

    public static LinuxSecurityModules ofThisNode() {
        boolean appArmor;
        try {
            appArmor = Files.readString(Path.of("/sys/module/apparmor/parameters/enabled"))
                    .strip()
                    .equals("Y");
        } catch (IOException e) {
            appArmor = false;
        }
        return new LinuxSecurityModules(appArmor, Files.exists(Path.of("/sys/fs/selinux/enforce")));
    }

    void check(LinuxContainerSecurityContext context) {
        if (context.getPrivileged()) {
            return;
        }
        String appArmorProfile = appArmorRequest(context);
        if (!appArmorProfile.isEmpty()
                && !appArmorProfile.equals("unconfined")
                && !(appArmorProfile.equals("runtime/default") && !appArmor)) {
            throw new IllegalStateException("apparmor: profile \"" + appArmorProfile + "\" was asked for, but "
                    + (appArmor
                            ? "jcri does not apply AppArmor profiles yet"
                            : "AppArmor is not enabled on this node"));
        }
        if (context.hasSelinuxOptions() && !empty(context.getSelinuxOptions())) {
            throw new IllegalStateException("selinux_options: a label was asked for, but "
                    + (selinux ? "jcri does not apply SELinux labels yet" : "SELinux is not enabled on this node"));
        }
    }

    /** "runtime/default", "unconfined", "localhost/<name>" or empty, from the field or its deprecated twin. */
    private static String appArmorRequest(LinuxContainerSecurityContext context) {
        if (context.hasApparmor()) {
            SecurityProfile profile = context.getApparmor();
            return switch (profile.getProfileType()) {
                case RuntimeDefault -> "runtime/default";
                case Unconfined -> "unconfined";
                case Localhost -> "localhost/" + profile.getLocalhostRef();
                case UNRECOGNIZED -> throw new IllegalArgumentException("apparmor.profile_type: unknown value");
            };
        }
        return context.getApparmorProfile().strip();
    }

    private static boolean empty(SELinuxOption options) {
        return options.getUser().isEmpty()
                && options.getRole().isEmpty()
                && options.getType().isEmpty()
                && options.getLevel().isEmpty();
    }
}
