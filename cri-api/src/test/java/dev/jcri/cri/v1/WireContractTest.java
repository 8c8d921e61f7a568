package dev.jcri.cri.v1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Pins what kubelet and crictl see on the wire: the package, every service method with its streaming shape, and
 * field numbers and types of the messages every pod passes through. A change here breaks real clients.
 */
class WireContractTest {
    private static final FileDescriptor FILE = CriApiProto.getDescriptor();

    @Test
    void packageIsRuntimeV1() {
        assertEquals("runtime.v1", FILE.getPackage());
        assertEquals("proto3", FILE.toProto().getSyntax());
    }

    @Test
    void runtimeServiceMethods() {
        assertMethods(
                "RuntimeService",
                List.of(
                        "Version",
                        "RunPodSandbox",
                        "StopPodSandbox",
                        "RemovePodSandbox",
                        "PodSandboxStatus",
                        "ListPodSandbox",
                        "StreamPodSandboxes>",
                        "CreateContainer",
                        "StartContainer",
                        "StopContainer",
                        "RemoveContainer",
                        "ListContainers",
                        "StreamContainers>",
                        "ContainerStatus",
                        "UpdateContainerResources",
                        "ReopenContainerLog",
                        "ExecSync",
                        "Exec",
                        "Attach",
                        "PortForward",
                        "ContainerStats",
                        "ListContainerStats",
                        "StreamContainerStats>",
                        "PodSandboxStats",
                        "ListPodSandboxStats",
                        "StreamPodSandboxStats>",
                        "UpdateRuntimeConfig",
                        "Status",
                        "CheckpointContainer",
                        "CheckpointPod",
                        "RestorePod",
                        "GetContainerEvents>",
                        "ListMetricDescriptors",
                        "ListPodSandboxMetrics",
                        "StreamPodSandboxMetrics>",
                        "RuntimeConfig",
                        "UpdatePodSandboxResources"));
    }

    @Test
    void imageServiceMethods() {
        assertMethods(
                "ImageService",
                List.of("ListImages", "StreamImages>", "ImageStatus", "PullImage", "RemoveImage", "ImageFsInfo"));
    }

    @Test
    void fortyThreeRpcsInAll() {
        assertEquals(
                43,
                FILE.getServices().stream().mapToInt(s -> s.getMethods().size()).sum());
    }

    @Test
    void grpcMethodPathsMatchUpstream() {
        assertEquals(
                "runtime.v1.RuntimeService/RunPodSandbox",
                RuntimeServiceGrpc.getRunPodSandboxMethod().getFullMethodName());
        assertEquals(
                "runtime.v1.ImageService/PullImage",
                ImageServiceGrpc.getPullImageMethod().getFullMethodName());
    }

    @Test
    void podSandboxConfigFields() {
        assertFields(
                PodSandboxConfig.getDescriptor(),
                "metadata=1:MESSAGE",
                "hostname=2:STRING",
                "log_directory=3:STRING",
                "dns_config=4:MESSAGE",
                "port_mappings=5:MESSAGE[]",
                "labels=6:MESSAGE[]",
                "annotations=7:MESSAGE[]",
                "linux=8:MESSAGE",
                "windows=9:MESSAGE");
        assertFields(RunPodSandboxRequest.getDescriptor(), "config=1:MESSAGE", "runtime_handler=2:STRING");
    }

    @Test
    void containerConfigFields() {
        assertFields(
                ContainerConfig.getDescriptor(),
                "metadata=1:MESSAGE",
                "image=2:MESSAGE",
                "command=3:STRING[]",
                "args=4:STRING[]",
                "working_dir=5:STRING",
                "envs=6:MESSAGE[]",
                "mounts=7:MESSAGE[]",
                "devices=8:MESSAGE[]",
                "labels=9:MESSAGE[]",
                "annotations=10:MESSAGE[]",
                "log_path=11:STRING",
                "stdin=12:BOOL",
                "stdin_once=13:BOOL",
                "tty=14:BOOL",
                "linux=15:MESSAGE",
                "windows=16:MESSAGE",
                "CDI_devices=17:MESSAGE[]",
                "stop_signal=18:ENUM");
    }

    @Test
    void mountFields() {
        assertFields(
                Mount.getDescriptor(),
                "container_path=1:STRING",
                "host_path=2:STRING",
                "readonly=3:BOOL",
                "selinux_relabel=4:BOOL",
                "propagation=5:ENUM",
                "uidMappings=6:MESSAGE[]",
                "gidMappings=7:MESSAGE[]",
                "recursive_read_only=8:BOOL",
                "image=9:MESSAGE",
                "image_sub_path=10:STRING",
                "mount_options=11:STRING[]");
    }

    @Test
    void imagePullFields() {
        assertFields(PullImageRequest.getDescriptor(), "image=1:MESSAGE", "auth=2:MESSAGE", "sandbox_config=3:MESSAGE");
        assertFields(
                AuthConfig.getDescriptor(),
                "username=1:STRING",
                "password=2:STRING",
                "auth=3:STRING",
                "server_address=4:STRING",
                "identity_token=5:STRING",
                "registry_token=6:STRING");
    }

    @Test
    void statusAndFilesystemFields() {
        assertFields(
                StatusResponse.getDescriptor(),
                "status=1:MESSAGE",
                "info=2:MESSAGE[]",
                "runtime_handlers=3:MESSAGE[]",
                "features=4:MESSAGE");
        assertFields(
                FilesystemUsage.getDescriptor(),
                "timestamp=1:INT64",
                "fs_id=2:MESSAGE",
                "used_bytes=3:MESSAGE",
                "inodes_used=4:MESSAGE");
        assertFields(UInt64Value.getDescriptor(), "value=1:UINT64");
    }

    @Test
    void containerStatusFields() {
        Descriptor status = ContainerStatus.getDescriptor();
        assertField(status, "id=1:STRING");
        assertField(status, "state=3:ENUM");
        assertField(status, "created_at=4:INT64");
        assertField(status, "exit_code=7:INT32");
        assertField(status, "reason=10:STRING");
        assertField(status, "log_path=15:STRING");
    }

    private static void assertMethods(String serviceName, List<String> expected) {
        ServiceDescriptor service = FILE.findServiceByName(serviceName);
        assertNotNull(service, serviceName);
        List<String> actual =
                service.getMethods().stream().map(WireContractTest::describe).toList();
        assertEquals(expected, actual);
    }

    /** A trailing {@code >} marks a server-streaming method. */
    private static String describe(MethodDescriptor method) {
        return method.getName() + (method.isServerStreaming() ? ">" : "") + (method.isClientStreaming() ? "<" : "");
    }

    private static void assertFields(Descriptor message, String... expected) {
        List<String> actual =
                message.getFields().stream().map(WireContractTest::describe).toList();
        assertEquals(List.of(expected), actual, message.getFullName());
    }

    private static void assertField(Descriptor message, String expected) {
        String name = expected.substring(0, expected.indexOf('='));
        FieldDescriptor field = message.findFieldByName(name);
        assertNotNull(field, message.getFullName() + "." + name);
        assertEquals(expected, describe(field), message.getFullName());
    }

    /** The proto wire type, so an int32 that became an int64 fails here as it would on the wire. */
    private static String describe(FieldDescriptor field) {
        return field.getName() + "=" + field.getNumber() + ":" + field.getType().name()
                + (field.isRepeated() ? "[]" : "");
    }
}
