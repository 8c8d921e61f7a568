package dev.jcri.e2e.critest;

import dev.jcri.e2e.registry.LayerBuilder;
import dev.jcri.e2e.registry.LocalRegistry;
import dev.jcri.e2e.registry.OciImageBuilder;
import dev.jcri.e2e.registry.RegistryPusher;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * Developer tool, not a test: serves stand-ins for the images critest v1.32 pulls ({@code
 * registry.k8s.io/e2e-test-images/...}, {@code gcr.io/k8s-staging-cri-tools/...}) from a {@link LocalRegistry} on
 * loopback until killed, so that the suite runs on a host without internet. jcri is pointed at it with a registries
 * mirror (DEVELOPERS.md, "Running critest offline").
 *
 * <p>The stand-ins are built from Debian packages unpacked into one directory, and copy what the specs rely on in
 * the real images: busybox applets are hard links (MaskedPaths masks {@code /bin/ls} without masking the shell),
 * {@code ipcs} exists (HostIpc), nginx runs as a master process writing {@code /var/run/nginx.pid} (HostPID,
 * ContainerPID), httpd says something on stderr at start (container log), the nonewprivs entrypoint is a setuid
 * root program printing its effective UID, and uid 1000 of the predefined-group image is a member of gid 50000.
 *
 * The node's pause image is served too, as {@code pause:3.10}: Debian's catatonit in pause mode, which like
 * Kubernetes' pause sleeps until signalled and reaps the orphans of a shared PID namespace.
 *
 * <p>Arguments: the unpacked packages' root ({@code busybox util-linux libc6 nginx libcrypt1 libpcre2-8-0
 * libssl3 zlib1g catatonit}), and a file to write the registry's {@code host:port} to once it serves.
 */
public final class CritestImages {
    /** /etc/passwd of docker.io/library/busybox. */
    private static final String PASSWD = """
            root:x:0:0:root:/root:/bin/sh
            daemon:x:1:1:daemon:/usr/sbin:/bin/false
            bin:x:2:2:bin:/bin:/bin/false
            sys:x:3:3:sys:/dev:/bin/false
            sync:x:4:100:sync:/bin:/bin/sync
            mail:x:8:8:mail:/var/spool/mail:/bin/false
            www-data:x:33:33:www-data:/var/www:/bin/false
            operator:x:37:37:Operator:/var:/bin/false
            nobody:x:65534:65534:nobody:/home:/bin/false
            """;

    /** /etc/group of docker.io/library/busybox. */
    private static final String GROUP = """
            root:x:0:
            daemon:x:1:
            bin:x:2:
            sys:x:3:
            adm:x:4:
            tty:x:5:
            disk:x:6:
            lp:x:7:
            mail:x:8:
            kmem:x:9:
            wheel:x:10:root
            cdrom:x:11:
            dialout:x:18:
            floppy:x:19:
            video:x:28:
            audio:x:29:
            tape:x:32:
            www-data:x:33:
            operator:x:37:
            utmp:x:43:
            plugdev:x:46:
            staff:x:50:
            lock:x:54:
            netdev:x:82:
            users:x:100:
            nogroup:x:65534:
            """;

    /** Debian's busybox has no pgrep applet (the real image's busybox 1.29 has); the ExecSync specs use it. */
    private static final String PGREP = """
            #!/bin/sh
            ps -o pid,comm | awk -v p="$1" 'NR>1 && $2 ~ p {print $1; f=1} END {exit !f}'
            """;

    /**
     * What Kubernetes' nonewprivs image runs: print "Effective uid: N\\n" (geteuid) in one write, exit 0. Hand
     * assembled (geteuid, decimal digits on the stack, the prefix copied before them, write, exit).
     */
    private static final String NNP_CODE = "b86b0000000f054883ec40488d7c243fc6070ab90a00000031d2f7f180c23048ffcf8817"
            + "85c075f04883ef0f4889fb488d3527000000b90f000000f3a4488d5424404829da4889debf01000000b8010000000f05b83c"
            + "00000031ff0f05456666656374697665207569643a20";

    private static final String HTML = "<html><body><h1>Welcome to nginx!</h1></body></html>\n";

    private final Path debs;

    private CritestImages(Path debs) {
        this.debs = debs;
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: CritestImages UNPACKED_DEBS_DIR ADDRESS_FILE");
            System.exit(2);
        }
        CritestImages images = new CritestImages(Path.of(args[0]));
        LocalRegistry registry = LocalRegistry.start();
        // Stopped by a signal: the registry's storage goes too, not only its process.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                registry.close();
            } catch (IOException e) {
                System.err.println("could not remove the registry's storage: " + e);
            }
        }));
        images.pushAll(registry.pusher());
        Files.writeString(Path.of(args[1]), registry.hostPort() + "\n");
        System.out.println("serving " + registry.hostPort());
        Thread.sleep(Long.MAX_VALUE);
    }

    private void pushAll(RegistryPusher p) throws IOException, InterruptedException {
        String e2e = "e2e-test-images/";
        String cri = "k8s-staging-cri-tools/";
        p.push("pause", "3.10", pause().build());
        p.push(e2e + "busybox", "1.29-2", busybox().build());
        p.push(e2e + "nginx", "1.14-2", nginx(80).build());
        p.push(cri + "hostnet-nginx-amd64", "latest", nginx(12003).build());
        p.push(e2e + "httpd", "2.4.39-4", httpd().build());
        p.push(e2e + "nonewprivs", "1.3", nonewprivs().build());
        p.push(cri + "test-image-user-uid", "latest", busybox().withUser("1002").build());
        p.push(
                cri + "test-image-user-username",
                "latest",
                busybox().withUser("www-data").build());
        p.push(
                cri + "test-image-user-uid-group",
                "latest",
                busybox().withUser("1003:users").build());
        p.push(
                cri + "test-image-user-username-group",
                "latest",
                busybox().withUser("www-data:www-data").build());
        p.push(cri + "test-image-predefined-group", "latest", predefinedGroup().build());
        // The image-manager specs only need distinct images under the names and tags they list.
        p.push(cri + "test-image-latest", "latest", labelled("latest").build());
        for (String tag : List.of("test", "all", "latest")) {
            p.push(cri + "test-image-tag", tag, labelled("tag").build());
        }
        p.push(cri + "test-image-digest", "latest", labelled("digest").build());
        for (int i = 1; i <= 3; i++) {
            p.push(cri + "test-image-" + i, "latest", labelled("n" + i).build());
            p.push(cri + "test-image-tags", String.valueOf(i), labelled("tags").build());
        }
        p.push(cri + "test-image-tags", "latest", labelled("tags").build());
    }

    private OciImageBuilder pause() {
        return OciImageBuilder.image()
                .withLayer(l ->
                        l.createdBy("ADD catatonit /pause").hostFile("/pause", debs.resolve("usr/bin/catatonit"), 0755))
                .withEntrypoint("/pause", "-P")
                .withCmd()
                .withStopSignal("SIGTERM");
    }

    /**
     * Like docker.io/library/busybox: every applet a hard link of /bin/busybox, plus ipcs and pgrep. Debian's
     * dynamically linked busybox, as its shell executes commands from PATH like the real image's: busybox-static is
     * built to run its applets in-process, so a masked /bin/ls would still run.
     */
    private OciImageBuilder busybox() throws IOException {
        LayerBuilder l = LayerBuilder.layer()
                .createdBy("ADD busybox /")
                .dir("/bin")
                .hostFile("/bin/busybox", debs.resolve("bin/busybox"), 0755);
        for (String applet : applets()) {
            l.hardlink("/bin/" + applet, "/bin/busybox");
        }
        l.file("/bin/pgrep", PGREP.getBytes(), 0755)
                .dir("/etc")
                .file("/etc/passwd", PASSWD)
                .file("/etc/group", GROUP)
                .dir("/home")
                .dir("/root", 0700)
                .dir("/tmp", 01777)
                .dir("/usr")
                .dir("/usr/bin")
                .hostFile("/usr/bin/ipcs", debs.resolve("usr/bin/ipcs"), 0755)
                .dir("/var")
                .dir("/var/www")
                .dir("/var/spool")
                .dir("/var/spool/mail");
        libraries(l, List.of("ld-linux-x86-64.so", "libc.so", "libresolv.so"));
        return OciImageBuilder.image()
                .withEnv("PATH", OciImageBuilder.DEFAULT_PATH)
                .withCmd("sh")
                .withLayer(l);
    }

    private List<String> applets() throws IOException {
        Process list = new ProcessBuilder(debs.resolve("bin/busybox").toString(), "--list").start();
        String out = new String(list.getInputStream().readAllBytes());
        return out.lines().filter(a -> !a.isBlank() && !a.equals("busybox")).toList();
    }

    /** Adds the shared libraries (and their symlinks) whose file names start with one of {@code prefixes}. */
    private void libraries(LayerBuilder l, List<String> prefixes) throws IOException {
        l.dir("/lib")
                .dir("/lib64")
                .symlink("/lib64/ld-linux-x86-64.so.2", "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2");
        for (String dir : List.of("lib/x86_64-linux-gnu", "usr/lib/x86_64-linux-gnu")) {
            Path from = debs.resolve(dir);
            if (!Files.isDirectory(from)) {
                continue;
            }
            l.dir("/" + dir);
            try (Stream<Path> files = Files.list(from)) {
                for (Path f : files.sorted().toList()) {
                    String name = f.getFileName().toString();
                    if (prefixes.stream().noneMatch(name::startsWith)) {
                        continue;
                    }
                    if (Files.isSymbolicLink(f)) {
                        l.symlink(
                                "/" + dir + "/" + name,
                                Files.readSymbolicLink(f).toString());
                    } else if (Files.isRegularFile(f)) {
                        l.hostFile("/" + dir + "/" + name, f, 0755);
                    }
                }
            }
        }
    }

    /**
     * Like e2e-test-images/nginx (nginx on alpine): {@code nginx -g "daemon off;"} as PID 1, a master and a worker,
     * the pid file at /var/run/nginx.pid, logs to stdout/stderr, the welcome page on {@code port}.
     */
    private OciImageBuilder nginx(int port) throws IOException {
        String conf = """
                user www-data;
                worker_processes 1;
                pid /var/run/nginx.pid;
                error_log /dev/stderr notice;
                events { worker_connections 64; }
                http {
                    access_log /dev/stdout;
                    server {
                        listen %d;
                        root /usr/share/nginx/html;
                    }
                }
                """.formatted(port);
        LayerBuilder l = LayerBuilder.layer()
                .createdBy("ADD nginx /")
                .dir("/usr/sbin")
                .hostFile("/usr/sbin/nginx", debs.resolve("usr/sbin/nginx"), 0755)
                .dir("/etc/nginx")
                .file("/etc/nginx/nginx.conf", conf)
                .dir("/usr/share")
                .dir("/usr/share/nginx")
                .dir("/usr/share/nginx/html")
                .file("/usr/share/nginx/html/index.html", HTML)
                .dir("/var/run")
                .dir("/var/log")
                .dir("/var/log/nginx")
                .dir("/var/lib")
                .dir("/var/lib/nginx");
        libraries(l, List.of("libcrypt.so", "libpcre2-8.so", "libssl.so", "libcrypto.so", "libz.so"));
        return busybox()
                .withLayer(l)
                .withExposedPort(port + "/tcp")
                .withStopSignal("SIGTERM")
                .withCmd("nginx", "-g", "daemon off;");
    }

    /**
     * For e2e-test-images/httpd (Apache on alpine, {@code httpd-foreground}): busybox's httpd, preceded by the
     * line Apache writes to stderr when it starts without a ServerName.
     */
    private OciImageBuilder httpd() throws IOException {
        String foreground = """
                #!/bin/sh
                echo "AH00558: httpd: Could not reliably determine the server's fully qualified domain name" >&2
                exec httpd -f -p 80 -h /usr/local/apache2/htdocs "$@"
                """;
        return busybox()
                .withLayer(l -> l.createdBy("ADD httpd /")
                        .dir("/usr/local")
                        .dir("/usr/local/bin")
                        .file("/usr/local/bin/httpd-foreground", foreground.getBytes(), 0755)
                        .dir("/usr/local/apache2")
                        .dir("/usr/local/apache2/htdocs")
                        .file("/usr/local/apache2/htdocs/index.html", "<html><body><h1>It works!</h1></body></html>\n"))
                .withExposedPort("80/tcp")
                .withStopSignal("SIGWINCH")
                .withCmd("httpd-foreground");
    }

    /** Like e2e-test-images/nonewprivs: ENTRYPOINT /usr/local/bin/nnp, setuid root, prints its effective UID. */
    private OciImageBuilder nonewprivs() throws IOException {
        byte[] nnp = OciImageBuilder.staticExecutable(HexFormat.of().parseHex(NNP_CODE));
        return busybox()
                .withLayer(l -> l.createdBy("COPY nnp /usr/local/bin/nnp")
                        .dir("/usr/local")
                        .dir("/usr/local/bin")
                        .file("/usr/local/bin/nnp", nnp, 04755))
                .withEntrypoint("/usr/local/bin/nnp")
                .withCmd();
    }

    /**
     * Like k8s-staging-cri-tools/test-image-predefined-group: busybox after {@code adduser -u 1000 -D default-user},
     * {@code addgroup -g 50000 group-defined-in-image}, {@code addgroup default-user group-defined-in-image}, USER 1000.
     */
    private OciImageBuilder predefinedGroup() throws IOException {
        return busybox()
                .withLayer(l -> l.createdBy("RUN adduser/addgroup")
                        .file(
                                "/etc/passwd",
                                PASSWD + "default-user:x:1000:1000:Linux User,,,:/home/default-user:/bin/sh\n")
                        .file(
                                "/etc/group",
                                GROUP + "default-user:x:1000:\ngroup-defined-in-image:x:50000:default-user\n")
                        .dir("/home/default-user", 02755, 1000, 1000))
                .withUser("1000");
    }

    private OciImageBuilder labelled(String value) throws IOException {
        return busybox().withLabel("critest-image", value);
    }
}
