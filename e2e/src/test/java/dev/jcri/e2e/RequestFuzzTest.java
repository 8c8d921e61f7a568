package dev.jcri.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Message;
import dev.jcri.cri.v1.ContainerConfig;
import dev.jcri.cri.v1.ContainerMetadata;
import dev.jcri.cri.v1.ContainerState;
import dev.jcri.cri.v1.ContainerStatusRequest;
import dev.jcri.cri.v1.CreateContainerRequest;
import dev.jcri.cri.v1.ExecSyncRequest;
import dev.jcri.cri.v1.ImageServiceGrpc;
import dev.jcri.cri.v1.ImageSpec;
import dev.jcri.cri.v1.ListPodSandboxRequest;
import dev.jcri.cri.v1.Mount;
import dev.jcri.cri.v1.PodSandbox;
import dev.jcri.cri.v1.PodSandboxConfig;
import dev.jcri.cri.v1.PodSandboxState;
import dev.jcri.cri.v1.PodSandboxStatusRequest;
import dev.jcri.cri.v1.PullImageRequest;
import dev.jcri.cri.v1.RemovePodSandboxRequest;
import dev.jcri.cri.v1.RunPodSandboxRequest;
import dev.jcri.cri.v1.RuntimeServiceGrpc;
import dev.jcri.cri.v1.StartContainerRequest;
import dev.jcri.cri.v1.StopContainerRequest;
import dev.jcri.cri.v1.VersionRequest;
import dev.jcri.e2e.registry.OciImageBuilder;
import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Hostile and malformed requests to every RPC of both CRI services, taken from the generated service descriptors
 * so that none is forgotten: empty, random, oversized (multi-MiB strings, 10,000-entry maps, a message past the
 * 16 MiB limit), hostile values (climbing paths, NUL bytes, unknown enum numbers, negative numbers, IDs of other
 * objects), bytes that are no valid message or no valid UTF-8, and valid requests with one field made hostile.
 *
 * <p>Every answer must be OK or a status with a description, never UNKNOWN, a dropped connection, or a Java
 * exception passed on as INTERNAL; the daemon must live and answer Version; and no file may appear, vanish or
 * change at the top of /etc, /root, /var/lib, /var/log, /opt and /usr/local, nothing named after the run may
 * appear at the top of /, /tmp, /var/tmp, /run or /dev/shm (which other processes change meanwhile), and a victim
 * directory in /tmp that hostile paths aim at must stay as it was. The seed is printed; set
 * {@code -Djcri.fuzz.seed=N} to replay a run, {@code -Djcri.fuzz.count=N} for more requests.
 */
class RequestFuzzTest {
    private static final long SEED = Long.getLong("jcri.fuzz.seed", new SecureRandom().nextLong());
    private static final int COUNT = Integer.getInteger("jcri.fuzz.count", 300);
    /** Prints every answer, for reading what the daemon says to hostile requests. */
    private static final boolean VERBOSE = Boolean.getBoolean("jcri.fuzz.verbose");
    /** Host directories whose top-level entries must not change at all; hostile paths aim at them. */
    private static final List<Path> QUIET = Stream.of("/etc", "/root", "/var/lib", "/var/log", "/opt", "/usr/local")
            .map(Path::of)
            .toList();
    /** Host directories others write to meanwhile: only entries named after this run count. */
    private static final List<Path> BUSY =
            Stream.of("/", "/tmp", "/var/tmp", "/run", "/dev/shm").map(Path::of).toList();
    /** Entries other processes (other test JVMs, iptables) change while this test runs; never aimed at. */
    private static final List<String> CONCURRENT = List.of(
            "jcri-e2e-",
            "hsperfdata_",
            "xtables.lock",
            "surefire",
            "libnetty",
            "libio_grpc_netty",
            "junit",
            ".java_pid",
            "systemd",
            "utmp",
            "wtmp",
            "lastlog",
            "btmp",
            "journal",
            "sudo");

    private static TestNode node;
    private static JcriProcess jcri;
    private static ManagedChannel channel;
    private static String image;
    private static Path scratch;
    private static String marker;
    private static Path victim;
    private static final List<String> pods = new ArrayList<>();
    private static final List<String> containers = new ArrayList<>();

    @RegisterExtension
    final DumpLogOnFailure dumpLog = new DumpLogOnFailure(() -> jcri);

    @BeforeAll
    static void start() throws Exception {
        System.out.println(
                "RequestFuzzTest seed=" + SEED + " count=" + COUNT + " (replay with -Djcri.fuzz.seed=" + SEED + ")");
        node = TestNode.start(true, (registry, dir) -> {
            registry.pusher()
                    .push(
                            "test/busybox",
                            "1",
                            OciImageBuilder.busybox()
                                    .withEntrypoint("/bin/sleep")
                                    .withCmd("3600")
                                    .build());
            // Short names resolve to the test registry only: no fuzzed pull ever leaves loopback.
            Path conf = dir.resolve("registries.conf");
            Files.writeString(
                    conf,
                    "unqualified-search-registries = [\"" + registry.hostPort() + "\"]\n" + Files.readString(conf));
        });
        jcri = node.jcri();
        channel = Grpc.newChannelBuilder("unix://" + jcri.socket(), InsecureChannelCredentials.create())
                .maxInboundMessageSize(64 << 20)
                .build();
        image = node.pull("test/busybox:1");
        scratch = Files.createDirectories(jcri.dir().resolve("fuzz-host"));
        marker = "jcri-fuzz-" + Long.toHexString(SEED);
        victim = Files.createDirectories(Path.of("/tmp", marker + "-victim"));
        Files.writeString(victim.resolve("keep"), "must survive");
        ensureObjects();
    }

    @AfterAll
    static void stop() throws Exception {
        if (victim != null) {
            Files.deleteIfExists(victim.resolve("keep"));
            Files.deleteIfExists(victim);
        }
        if (channel != null) {
            channel.shutdownNow();
        }
        if (node != null) {
            node.close();
        }
    }

    @Test
    void everyRpcAnswersHostileRequestsWithWellFormedStatuses() throws Exception {
        Map<Path, Map<String, String>> before = snapshot();
        List<MethodDescriptor<?, ?>> methods = new ArrayList<>();
        for (ServiceDescriptor service :
                List.of(RuntimeServiceGrpc.getServiceDescriptor(), ImageServiceGrpc.getServiceDescriptor())) {
            methods.addAll(service.getMethods());
        }
        methods.sort((a, b) -> a.getFullMethodName().compareTo(b.getFullMethodName()));
        Random random = new Random(SEED);
        List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        // No request may hold up others: Version must answer throughout, within a few seconds.
        java.util.concurrent.atomic.AtomicBoolean fuzzing = new java.util.concurrent.atomic.AtomicBoolean(true);
        Thread prober = Thread.ofVirtual().start(() -> {
            while (fuzzing.get()) {
                try {
                    jcri.runtime().withDeadlineAfter(5, TimeUnit.SECONDS).version(VersionRequest.getDefaultInstance());
                    Thread.sleep(200);
                } catch (StatusRuntimeException e) {
                    failures.add("Version did not answer while fuzzing: " + e.getStatus());
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        Map<String, Map<Status.Code, Integer>> outcomes = new TreeMap<>();
        for (int i = 0; i < COUNT; i++) {
            if (i % 40 == 0) {
                ensureObjects();
            }
            MethodDescriptor<?, ?> method = methods.get(i % methods.size());
            Request request = request(random, method, i);
            Status status = call(method, request.bytes());
            outcomes.computeIfAbsent(method.getBareMethodName(), k -> new TreeMap<>())
                    .merge(status.getCode(), 1, Integer::sum);
            if (VERBOSE) {
                System.out.println("#" + i + " " + method.getBareMethodName() + " [" + request.kind() + "] "
                        + status.getCode() + " " + shorten(status.getDescription()));
            }
            String problem = problem(method, status);
            if (problem != null) {
                failures.add("#" + i + " " + method.getBareMethodName() + " [" + request.kind() + "] " + problem + ": "
                        + status.getCode() + " " + shorten(status.getDescription()));
            }
            if (!jcri.process().isAlive()) {
                failures.add("#" + i + " " + method.getBareMethodName() + " [" + request.kind() + "]: the daemon died");
                break;
            }
        }
        fuzzing.set(false);
        prober.join();
        outcomes.forEach((rpc, codes) -> System.out.println("  " + rpc + " " + codes));
        assertTrue(jcri.process().isAlive(), "jcri died; seed " + SEED);
        assertEquals(
                "jcri",
                jcri.runtime().version(VersionRequest.getDefaultInstance()).getRuntimeName());
        String log = jcri.log();
        for (String sign :
                List.of("unexpected failure", "rpc handler failed", "OutOfMemoryError", "StackOverflowError")) {
            if (log.contains(sign)) {
                failures.add("the daemon logged \"" + sign + "\"");
            }
        }
        removeAllPods();
        List<String> changed = changes(before, snapshot());
        assertTrue(changed.isEmpty(), "host files changed outside the test's dirs (seed " + SEED + "): " + changed);
        assertTrue(
                failures.isEmpty(),
                failures.size() + " bad answers (seed " + SEED + "):\n" + String.join("\n", failures));
    }

    /**
     * A create refused late (here an environment variable name the spec builder refuses, after the bind sources
     * were prepared) leaves neither the missing bind source it made nor the log directory behind.
     */
    @Test
    void aRefusedCreateLeavesNoDirectoryBehind() throws Exception {
        ensureObjects();
        Path source = scratch.resolve("left-behind/data");
        Path logs = scratch.resolve("base/left-behind");
        StatusRuntimeException refused = org.junit.jupiter.api.Assertions.assertThrows(
                StatusRuntimeException.class,
                () -> jcri.runtime()
                        .createContainer(CreateContainerRequest.newBuilder()
                                .setPodSandboxId(pods.getLast())
                                .setConfig(ContainerConfig.newBuilder()
                                        .setMetadata(
                                                ContainerMetadata.newBuilder().setName("refused"))
                                        .setImage(ImageSpec.newBuilder().setImage(image))
                                        .setLogPath("left-behind/refused.log")
                                        .addEnvs(dev.jcri.cri.v1.KeyValue.newBuilder()
                                                .setKey("A=B"))
                                        .addMounts(Mount.newBuilder()
                                                .setContainerPath("/data")
                                                .setHostPath(source.toString())))
                                .build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, refused.getStatus().getCode(), refused.toString());
        assertTrue(!Files.exists(source.getParent()), "the bind source made for the refused create remains");
        assertTrue(!Files.exists(logs), "the log directory made for the refused create remains");
    }

    /** What is wrong with an answer, or null. */
    private static String problem(MethodDescriptor<?, ?> method, Status status) {
        if (status.isOk()) {
            return null;
        }
        String description = status.getDescription();
        if (description == null || description.isBlank()) {
            return "no description";
        }
        if (description.contains(" not found") && status.getCode() != Status.Code.NOT_FOUND) {
            return "an unknown object not answered NOT_FOUND";
        }
        return switch (status.getCode()) {
            case UNKNOWN -> "UNKNOWN";
            // A pull from the closed port is rightly UNAVAILABLE, and so is a pod sharing one PID namespace, whose
            // pause image comes from there; anywhere else it means the connection broke.
            case UNAVAILABLE ->
                (method.getBareMethodName().equals("PullImage") && description.contains("registry"))
                                || (method.getBareMethodName().equals("RunPodSandbox")
                                        && description.startsWith("pause image ")
                                        && description.contains("cannot reach registry"))
                        ? null
                        : "connection dropped or daemon unavailable";
            case INTERNAL ->
                description.startsWith("java.") || description.contains("Exception") || description.contains("protobuf")
                        ? "an exception passed on as INTERNAL"
                        : null;
            case DEADLINE_EXCEEDED ->
                method.getType() == MethodDescriptor.MethodType.SERVER_STREAMING
                                || method.getBareMethodName().equals("StopContainer")
                                || method.getBareMethodName().equals("ExecSync")
                        ? null
                        : "deadline exceeded";
            default -> null;
        };
    }

    /** One request: its serialized bytes, and how it was made (for the failure list). */
    private record Request(byte[] bytes, String kind) {}

    private static Request request(Random random, MethodDescriptor<?, ?> method, int index) {
        Descriptor type = requestType(method);
        int pick = random.nextInt(100);
        if (pick < 8) {
            return new Request(new byte[0], "empty");
        }
        if (pick < 14) {
            return new Request(garbage(random, type), "malformed bytes");
        }
        if (pick < 20) {
            return new Request(oversized(random, type), "oversized");
        }
        if (pick < 45) {
            DynamicMessage.Builder message = DynamicMessage.newBuilder(type);
            fill(random, message, 0);
            return new Request(message.build().toByteArray(), "random");
        }
        DynamicMessage base = toDynamic(baseline(method.getBareMethodName(), index));
        int mutations = 1 + random.nextInt(3);
        for (int i = 0; i < mutations; i++) {
            base = mutate(random, base, 0);
        }
        return new Request(base.toByteArray(), "valid with " + mutations + " hostile field(s)");
    }

    private static Descriptor requestType(MethodDescriptor<?, ?> method) {
        Object prototype =
                ((MethodDescriptor.PrototypeMarshaller<?>) method.getRequestMarshaller()).getMessagePrototype();
        return ((Message) prototype).getDescriptorForType();
    }

    private static DynamicMessage toDynamic(Message message) {
        try {
            return DynamicMessage.parseFrom(message.getDescriptorForType(), message.toByteString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A request the daemon would accept, for the RPCs where that is worth something. */
    private static Message baseline(String rpc, int index) {
        String pod = pods.getLast();
        String container = containers.getLast();
        Message special = switch (rpc) {
            case "RunPodSandbox" ->
                RunPodSandboxRequest.newBuilder()
                        .setConfig(PodSandboxTest.pod("fuzz" + index)
                                .setLogDirectory(
                                        scratch.resolve("logs/" + index).toString()))
                        .build();
            case "CreateContainer" ->
                CreateContainerRequest.newBuilder()
                        .setPodSandboxId(pod)
                        .setConfig(ContainerConfig.newBuilder()
                                .setMetadata(ContainerMetadata.newBuilder().setName("c" + index))
                                .setImage(ImageSpec.newBuilder().setImage(image))
                                .setLogPath("c" + index + ".log")
                                .addMounts(Mount.newBuilder()
                                        .setContainerPath("/data")
                                        .setHostPath(scratch.resolve("mounts/" + index)
                                                .toString())))
                        .setSandboxConfig(PodSandboxConfig.newBuilder())
                        .build();
            case "ExecSync" ->
                ExecSyncRequest.newBuilder()
                        .setContainerId(container)
                        .addCmd("true")
                        .setTimeout(5)
                        .build();
            case "PullImage" ->
                PullImageRequest.newBuilder()
                        .setImage(ImageSpec.newBuilder().setImage(image))
                        .build();
            case "StopContainer" ->
                StopContainerRequest.newBuilder()
                        .setContainerId(container)
                        .setTimeout(1)
                        .build();
            default -> null;
        };
        return special != null ? special : withIds(rpc, pod, container);
    }

    private static Message withIds(String rpc, String pod, String container) {
        Descriptor type = Stream.concat(
                        RuntimeServiceGrpc.getServiceDescriptor().getMethods().stream(),
                        ImageServiceGrpc.getServiceDescriptor().getMethods().stream())
                .filter(m -> m.getBareMethodName().equals(rpc))
                .map(RequestFuzzTest::requestType)
                .findFirst()
                .orElseThrow();
        DynamicMessage.Builder message = DynamicMessage.newBuilder(type);
        FieldDescriptor podField = type.findFieldByName("pod_sandbox_id");
        if (podField != null) {
            message.setField(podField, pod);
        }
        FieldDescriptor containerField = type.findFieldByName("container_id");
        if (containerField != null) {
            message.setField(containerField, container);
        }
        return message.build();
    }

    /** The message with one field, somewhere below, set to a random (mostly hostile) value. */
    private static DynamicMessage mutate(Random random, DynamicMessage message, int depth) {
        List<FieldDescriptor> fields = message.getDescriptorForType().getFields();
        if (fields.isEmpty()) {
            return message;
        }
        FieldDescriptor field = fields.get(random.nextInt(fields.size()));
        DynamicMessage.Builder builder = message.toBuilder();
        if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE
                && !field.isRepeated()
                && depth < 4
                && random.nextInt(4) != 0) {
            DynamicMessage inner = message.hasField(field)
                    ? (DynamicMessage) message.getField(field)
                    : DynamicMessage.getDefaultInstance(field.getMessageType());
            return builder.setField(field, mutate(random, inner, depth + 1)).build();
        }
        builder.clearField(field);
        set(random, builder, field, depth);
        return builder.build();
    }

    /** Random values in about half the fields, recursively. */
    private static void fill(Random random, DynamicMessage.Builder message, int depth) {
        for (FieldDescriptor field : message.getDescriptorForType().getFields()) {
            if (random.nextBoolean()) {
                set(random, message, field, depth);
            }
        }
    }

    private static void set(Random random, DynamicMessage.Builder message, FieldDescriptor field, int depth) {
        if (field.isMapField()) {
            int entries = random.nextInt(4);
            for (int i = 0; i < entries; i++) {
                DynamicMessage.Builder entry = DynamicMessage.newBuilder(field.getMessageType());
                for (FieldDescriptor part : field.getMessageType().getFields()) {
                    Object value = value(random, part, depth);
                    if (value != null) {
                        entry.setField(part, value);
                    }
                }
                message.addRepeatedField(field, entry.build());
            }
        } else if (field.isRepeated()) {
            int elements = random.nextInt(4);
            for (int i = 0; i < elements; i++) {
                Object value = value(random, field, depth);
                if (value != null) {
                    message.addRepeatedField(field, value);
                }
            }
        } else {
            Object value = value(random, field, depth);
            if (value != null) {
                message.setField(field, value);
            }
        }
    }

    private static Object value(Random random, FieldDescriptor field, int depth) {
        return switch (field.getJavaType()) {
            case STRING -> string(random, field.getName());
            case BYTE_STRING ->
                random.nextInt(10) == 0
                        ? ByteString.copyFrom(new byte[] {(byte) 0xff, 0, (byte) 0xc3})
                        : ByteString.copyFromUtf8(string(random, field.getName()));
            case BOOLEAN -> random.nextBoolean();
            case INT -> (int) number(random);
            case LONG -> number(random);
            case FLOAT -> (float) number(random);
            case DOUBLE -> (double) number(random);
            case ENUM -> enumValue(random, field.getEnumType());
            case MESSAGE -> {
                if (depth >= 4) {
                    yield null;
                }
                DynamicMessage.Builder inner = DynamicMessage.newBuilder(field.getMessageType());
                fill(random, inner, depth + 1);
                yield inner.build();
            }
        };
    }

    private static Object enumValue(Random random, EnumDescriptor type) {
        int pick = random.nextInt(3);
        if (pick == 0) {
            // proto3 enums are open: an unknown number arrives as UNRECOGNIZED.
            int[] unknown = {-1, 99, Integer.MAX_VALUE, Integer.MIN_VALUE};
            return type.findValueByNumberCreatingIfUnknown(unknown[random.nextInt(unknown.length)]);
        }
        return type.getValues().get(random.nextInt(type.getValues().size()));
    }

    private static long number(Random random) {
        long[] edges = {
            0,
            1,
            -1,
            2,
            30,
            65535,
            65536,
            Integer.MAX_VALUE,
            Integer.MIN_VALUE,
            0xFFFF_FFFFL,
            Long.MAX_VALUE,
            Long.MIN_VALUE
        };
        return random.nextInt(3) == 0 ? random.nextLong() : edges[random.nextInt(edges.length)];
    }

    private static String string(Random random, String field) {
        if (field.equals("cgroup_parent")) {
            // Never a parent outside the test's own: crun would make cgroups there.
            String[] parents = {
                "",
                JcriProcess.cgroupParent(jcri.dir()),
                "relative/x",
                "/a/../../b",
                "/x\u0000y",
                "/" + marker + "/../.."
            };
            return parents[random.nextInt(parents.length)];
        }
        if (field.equals("image")) {
            // Loopback only: the test registry, a closed port, or names that cannot be parsed.
            String[] images = {
                image,
                node.registryHostPort() + "/test/none:1",
                "127.0.0.1:9/x/y:1",
                "busybox",
                "../../etc/" + marker,
                "UPPER/Case",
                "a b",
                "x\u0000y",
                "@sha256:zz",
                "",
                node.registryHostPort() + "/" + "a".repeat(300),
                "sha256:" + "0".repeat(64)
            };
            return images[random.nextInt(images.length)];
        }
        if (field.endsWith("_id") || field.equals("id")) {
            List<String> ids = new ArrayList<>(pods);
            ids.addAll(containers);
            ids.addAll(List.of(
                    containers.getFirst().substring(0, 6),
                    "0".repeat(64),
                    "f".repeat(65),
                    "../../etc/" + marker,
                    "",
                    " ",
                    "ZZ",
                    "a"));
            return ids.get(random.nextInt(ids.size()));
        }
        int pick = random.nextInt(40);
        return switch (pick) {
            case 0 -> "";
            case 1 -> "../../etc/" + marker;
            case 2 -> "/etc/" + marker;
            case 3 -> scratch + "/../../../../etc/" + marker;
            case 4 -> "/var/log/pods/../../../root/" + marker;
            case 5 -> "/tmp/" + marker + "\u0000/x";
            case 6 -> "a\u0000b";
            case 7 -> "line\nbreak\r\n\"quoted\" \\ %s %n ${jndi:ldap://127.0.0.1:9/x}";
            case 8 -> "\u202e\ufeff\ud800\udfff\u00e9\u4e2d";
            case 9 -> "x".repeat(1 + random.nextInt(100_000));
            case 10 -> "y".repeat((2 << 20) + random.nextInt(2 << 20));
            case 11 -> "..";
            case 12 -> "/";
            case 13 -> "-1";
            case 14 -> "SIGKILL";
            case 15 -> "net.ipv4.ip_forward";
            case 16 -> "999.1.1.1";
            case 17 -> "::1";
            case 18 -> "10.0.0.0/8";
            case 19 -> "*";
            case 20 -> "../../../.." + victim + "/keep";
            case 21 -> victim + "/keep";
            default -> pick < 30 ? scratch.resolve("s" + random.nextInt(8)).toString() : randomText(random);
        };
    }

    private static String randomText(Random random) {
        StringBuilder text = new StringBuilder();
        int length = random.nextInt(40);
        for (int i = 0; i < length; i++) {
            text.append((char) (random.nextInt(4) == 0 ? random.nextInt(0x3000) : 0x20 + random.nextInt(0x5f)));
        }
        return text.toString();
    }

    /** Bytes that are no valid message: random, truncated, or a string field holding invalid UTF-8. */
    private static byte[] garbage(Random random, Descriptor type) {
        return switch (random.nextInt(3)) {
            case 0 -> {
                byte[] bytes = new byte[1 + random.nextInt(64)];
                random.nextBytes(bytes);
                yield bytes;
            }
            case 1 -> {
                DynamicMessage.Builder message = DynamicMessage.newBuilder(type);
                fill(random, message, 0);
                byte[] whole = message.build().toByteArray();
                yield whole.length < 2
                        ? new byte[] {0x0a, 0x05, 0x41}
                        : java.util.Arrays.copyOf(
                                whole, whole.length - 1 - random.nextInt(Math.min(whole.length - 1, 8)));
            }
            default -> {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                int number = type.getFields().stream()
                        .filter(f -> f.getJavaType() == FieldDescriptor.JavaType.STRING)
                        .mapToInt(FieldDescriptor::getNumber)
                        .findFirst()
                        .orElse(1);
                out.write((number << 3) | 2);
                byte[] invalid = {(byte) 0xc3, 0x28, (byte) 0xff, (byte) 0xfe, (byte) 0xed, (byte) 0xa0, (byte) 0x80};
                out.write(invalid.length);
                out.writeBytes(invalid);
                yield out.toByteArray();
            }
        };
    }

    /** A huge string in one field, a 10,000-entry map, or a message past gRPC's 16 MiB limit. */
    private static byte[] oversized(Random random, Descriptor type) {
        DynamicMessage.Builder message = DynamicMessage.newBuilder(type);
        FieldDescriptor map = firstField(type, FieldDescriptor::isMapField, 0);
        int pick = random.nextInt(4);
        if (pick == 0 && map != null) {
            return withMap(message, type, map);
        }
        if (pick == 1) {
            // Past the daemon's 16 MiB: gRPC must refuse it, not jcri parse it.
            FieldDescriptor text = type.getFields().stream()
                    .filter(f -> f.getJavaType() == FieldDescriptor.JavaType.STRING)
                    .findFirst()
                    .orElse(null);
            if (text != null && !text.isRepeated()) {
                message.setField(text, "z".repeat(17 << 20));
                return message.build().toByteArray();
            }
        }
        fill(random, message, 0);
        for (FieldDescriptor field : type.getFields()) {
            if (field.getJavaType() == FieldDescriptor.JavaType.STRING && !field.isRepeated()) {
                message.setField(field, "w".repeat(3 << 20));
                break;
            }
        }
        return message.build().toByteArray();
    }

    /** The map field set to 10,000 entries, in the message that holds it (found depth-first). */
    private static byte[] withMap(DynamicMessage.Builder message, Descriptor type, FieldDescriptor map) {
        DynamicMessage built = buildPathTo(type, map, () -> {
            List<DynamicMessage> entries = new ArrayList<>();
            for (int i = 0; i < 10_000; i++) {
                entries.add(DynamicMessage.newBuilder(map.getMessageType())
                        .setField(map.getMessageType().findFieldByName("key"), "key" + i)
                        .setField(
                                map.getMessageType().findFieldByName("value"),
                                map.getMessageType().findFieldByName("value").getJavaType()
                                                == FieldDescriptor.JavaType.STRING
                                        ? "value" + i
                                        : DynamicMessage.getDefaultInstance(map.getMessageType()
                                                .findFieldByName("value")
                                                .getMessageType()))
                        .build());
            }
            return entries;
        });
        return built == null ? message.build().toByteArray() : built.toByteArray();
    }

    private static DynamicMessage buildPathTo(
            Descriptor type, FieldDescriptor target, java.util.function.Supplier<List<DynamicMessage>> entries) {
        DynamicMessage.Builder builder = DynamicMessage.newBuilder(type);
        if (type.getFields().contains(target)) {
            entries.get().forEach(e -> builder.addRepeatedField(target, e));
            return builder.build();
        }
        for (FieldDescriptor field : type.getFields()) {
            if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE
                    && !field.isRepeated()
                    && firstField(field.getMessageType(), f -> f == target, 1) != null) {
                return builder.setField(field, buildPathTo(field.getMessageType(), target, entries))
                        .build();
            }
        }
        return null;
    }

    private static FieldDescriptor firstField(
            Descriptor type, java.util.function.Predicate<FieldDescriptor> wanted, int depth) {
        for (FieldDescriptor field : type.getFields()) {
            if (wanted.test(field)) {
                return field;
            }
        }
        if (depth >= 3) {
            return null;
        }
        for (FieldDescriptor field : type.getFields()) {
            if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE && !field.isRepeated()) {
                FieldDescriptor found = firstField(field.getMessageType(), wanted, depth + 1);
                if (found != null) {
                    return found;
                }
            }
        }
        return null;
    }

    /** Sends raw bytes as the method's request; the status it ends with (OK included). */
    private static Status call(MethodDescriptor<?, ?> method, byte[] request) {
        MethodDescriptor<byte[], byte[]> raw = MethodDescriptor.<byte[], byte[]>newBuilder()
                .setType(method.getType())
                .setFullMethodName(method.getFullMethodName())
                .setRequestMarshaller(RawBytes.INSTANCE)
                .setResponseMarshaller(RawBytes.INSTANCE)
                .build();
        boolean streaming = method.getType() == MethodDescriptor.MethodType.SERVER_STREAMING;
        CallOptions options = CallOptions.DEFAULT.withDeadlineAfter(streaming ? 2 : 30, TimeUnit.SECONDS);
        try {
            if (streaming) {
                Iterator<byte[]> responses = ClientCalls.blockingServerStreamingCall(channel, raw, options, request);
                while (responses.hasNext()) {
                    responses.next();
                }
            } else {
                ClientCalls.blockingUnaryCall(channel, raw, options, request);
            }
            return Status.OK;
        } catch (StatusRuntimeException e) {
            return e.getStatus();
        }
    }

    /** The fuzzer's pod, container and image: made again when a fuzzed request removed or stopped them. */
    private static void ensureObjects() throws InterruptedException {
        String pod = pods.isEmpty() ? null : pods.getLast();
        boolean podReady = pod != null && ready(pod);
        if (!podReady) {
            pod = jcri.runtime()
                    .runPodSandbox(RunPodSandboxRequest.newBuilder()
                            .setConfig(PodSandboxTest.pod("fuzz-base-" + pods.size())
                                    .setLogDirectory(scratch.resolve("base").toString()))
                            .build())
                    .getPodSandboxId();
            pods.add(pod);
        }
        String container = containers.isEmpty() ? null : containers.getLast();
        if (!podReady || container == null || !running(container)) {
            // A fuzzed RemoveImage may have named it.
            node.pull("test/busybox:1");
            container = jcri.runtime()
                    .createContainer(CreateContainerRequest.newBuilder()
                            .setPodSandboxId(pod)
                            .setConfig(ContainerConfig.newBuilder()
                                    .setMetadata(ContainerMetadata.newBuilder().setName("base-" + containers.size()))
                                    .setImage(ImageSpec.newBuilder().setImage(image))
                                    .setLogPath("base-" + containers.size() + ".log"))
                            .build())
                    .getContainerId();
            jcri.runtime()
                    .startContainer(StartContainerRequest.newBuilder()
                            .setContainerId(container)
                            .build());
            containers.add(container);
        }
    }

    private static boolean ready(String pod) {
        try {
            return jcri.runtime()
                            .podSandboxStatus(PodSandboxStatusRequest.newBuilder()
                                    .setPodSandboxId(pod)
                                    .build())
                            .getStatus()
                            .getState()
                    == PodSandboxState.SANDBOX_READY;
        } catch (StatusRuntimeException e) {
            return false;
        }
    }

    private static boolean running(String container) {
        try {
            return jcri.runtime()
                            .containerStatus(ContainerStatusRequest.newBuilder()
                                    .setContainerId(container)
                                    .build())
                            .getStatus()
                            .getState()
                    == ContainerState.CONTAINER_RUNNING;
        } catch (StatusRuntimeException e) {
            return false;
        }
    }

    /** Pods the fuzzer made, on purpose or by a request that happened to be valid, and their containers. */
    private static void removeAllPods() {
        for (PodSandbox pod : jcri.runtime()
                .listPodSandbox(ListPodSandboxRequest.getDefaultInstance())
                .getItemsList()) {
            jcri.runtime()
                    .removePodSandbox(RemovePodSandboxRequest.newBuilder()
                            .setPodSandboxId(pod.getId())
                            .build());
        }
    }

    /** Top-level names of the watched dirs with type and modification time, and the victim's. */
    private static Map<Path, Map<String, String>> snapshot() throws IOException {
        Map<Path, Map<String, String>> all = new TreeMap<>();
        for (Path dir : Stream.concat(Stream.concat(QUIET.stream(), BUSY.stream()), Stream.of(victim))
                .toList()) {
            Map<String, String> entries = new TreeMap<>();
            if (Files.isDirectory(dir)) {
                try (Stream<Path> list = Files.list(dir)) {
                    for (Path entry : list.toList()) {
                        String name = entry.getFileName().toString();
                        if (CONCURRENT.stream().anyMatch(name::contains) && !name.contains(marker)) {
                            continue;
                        }
                        try {
                            BasicFileAttributes attributes =
                                    Files.readAttributes(entry, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                            entries.put(
                                    name,
                                    (attributes.isDirectory() ? "dir " : "file ")
                                            + attributes.lastModifiedTime().toMillis());
                        } catch (IOException e) {
                            entries.put(name, "vanished while read");
                        }
                    }
                }
            }
            all.put(dir, entries);
        }
        return all;
    }

    private static List<String> changes(Map<Path, Map<String, String>> before, Map<Path, Map<String, String>> after) {
        List<String> changes = new ArrayList<>();
        for (Path dir : before.keySet()) {
            Map<String, String> was = before.get(dir);
            Map<String, String> is = after.get(dir);
            TreeSet<String> names = new TreeSet<>(was.keySet());
            names.addAll(is.keySet());
            for (String name : names) {
                if (BUSY.contains(dir)
                        ? name.contains(marker)
                                && !java.util.Objects.equals(was.get(name), is.get(name))
                                && !(dir.resolve(name).equals(victim) && is.get(name) != null)
                        : !java.util.Objects.equals(was.get(name), is.get(name))) {
                    changes.add(dir.resolve(name) + ": " + was.get(name) + " -> " + is.get(name));
                }
            }
        }
        return changes;
    }

    private static String shorten(String text) {
        if (text == null) {
            return "(no description)";
        }
        String line = text.replace("\n", "\\n");
        return line.length() > 300 ? line.substring(0, 300) + "..." : line;
    }

    /** Requests and responses as the bytes on the wire, so that anything can be sent. */
    private enum RawBytes implements MethodDescriptor.Marshaller<byte[]> {
        INSTANCE;

        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
