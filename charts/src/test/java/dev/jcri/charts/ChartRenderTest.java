package dev.jcri.charts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClass;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.core.type.TypeReference;
import tools.jackson.dataformat.toml.TomlMapper;

/** The chart rendered for its defaults and for each documented value combination. */
class ChartRenderTest {

    @Test
    void helmLintIsClean() {
        LintResult lint = new Helm(RenderedChart.CHART).lint().strict().call();
        assertFalse(lint.isFailed(), () -> "helm lint: " + lint.getMessages());
    }

    @Test
    void defaultsRenderTheInstallerDaemonSetRuntimeClassesAndMetricsService() {
        RenderedChart chart = RenderedChart.render(Map.of());

        DaemonSet daemonSet = chart.one(DaemonSet.class);
        assertEquals("jcri", daemonSet.getMetadata().getName());
        assertEquals("kube-system", daemonSet.getMetadata().getNamespace());
        assertEquals("RollingUpdate", daemonSet.getSpec().getUpdateStrategy().getType());
        assertEquals(
                1,
                daemonSet
                        .getSpec()
                        .getUpdateStrategy()
                        .getRollingUpdate()
                        .getMaxUnavailable()
                        .getIntVal());

        PodSpec pod = daemonSet.getSpec().getTemplate().getSpec();
        assertTrue(pod.getHostPID(), "hostPID: the installer reaches the node's systemd as PID 1");
        assertTrue(pod.getHostNetwork());
        assertEquals("system-node-critical", pod.getPriorityClassName());
        assertEquals(Map.of("jcri.dev/install", "true"), pod.getNodeSelector());
        assertTrue(pod.getAutomountServiceAccountToken(), "the installer labels its node with the token");
        assertEquals("jcri", pod.getServiceAccountName());

        Container installer = pod.getContainers().getFirst();
        assertTrue(installer.getSecurityContext().getPrivileged());
        assertEquals(0L, installer.getSecurityContext().getRunAsUser());
        assertEquals("registry.example.org/jcri/installer:0.1.0-SNAPSHOT", installer.getImage());
        assertEquals(
                List.of(
                        "install",
                        "--root=/host",
                        "--config=/etc/jcri-installer/50-chart.toml",
                        "--host-systemd=nsenter",
                        "--kubelet-switch=false",
                        "--kubelet-config=/var/lib/kubelet/config.yaml",
                        "--kubelet-flags=/var/lib/kubelet/kubeadm-flags.env",
                        "--sleep"),
                installer.getArgs());
        assertNotNull(installer.getReadinessProbe().getExec());
        EnvVar nodeName = installer.getEnv().stream()
                .filter(e -> "NODE_NAME".equals(e.getName()))
                .findFirst()
                .orElseThrow();
        assertEquals("spec.nodeName", nodeName.getValueFrom().getFieldRef().getFieldPath());

        Volume hostRoot = volume(pod, "host-root");
        assertEquals("/", hostRoot.getHostPath().getPath());
        assertEquals("Directory", hostRoot.getHostPath().getType());
        VolumeMount hostRootMount = mount(installer, "host-root");
        assertEquals("/host", hostRootMount.getMountPath());
        assertEquals("HostToContainer", hostRootMount.getMountPropagation());
        assertEquals("jcri", volume(pod, "config").getConfigMap().getName());

        assertEquals(
                List.of("crun", "runc"),
                chart.all(RuntimeClass.class).stream()
                        .map(RuntimeClass::getHandler)
                        .toList());
        assertEquals(
                List.of("jcri-crun", "jcri-runc"),
                chart.all(RuntimeClass.class).stream()
                        .map(r -> r.getMetadata().getName())
                        .toList());
        assertEquals(
                Map.of("jcri.dev/install", "true"),
                chart.all(RuntimeClass.class).getFirst().getScheduling().getNodeSelector());

        Service metrics = chart.one(Service.class);
        assertEquals("None", metrics.getSpec().getClusterIP());
        assertEquals(9090, metrics.getSpec().getPorts().getFirst().getPort());
        assertEquals(
                daemonSet.getSpec().getSelector().getMatchLabels(),
                metrics.getSpec().getSelector());

        assertTrue(chart.kind("ServiceMonitor").isEmpty(), "no ServiceMonitor unless asked for");
    }

    @Test
    void dropInConfigIsTomlFromTheValues() {
        Map<String, Object> toml = dropIn(RenderedChart.render(Map.of()));
        assertEquals("info", toml.get("log_level"));
        assertEquals(Map.of("enabled", true, "address", "0.0.0.0:9090"), toml.get("metrics"));
        assertFalse(toml.containsKey("cgroup_manager"), "unset values keep jcri's defaults");

        toml = dropIn(RenderedChart.render(Map.of(
                "config.logLevel", "debug",
                "config.cgroupManager", "cgroupfs",
                "config.defaultRuntime", "runc",
                "config.pauseImage", "registry.example.org/pause:3.10",
                "config.extra", "orphan_sweep_interval_seconds = 0\n[cni]\ndefault_network = false",
                "metrics.port", 9464)));
        assertEquals("debug", toml.get("log_level"));
        assertEquals("cgroupfs", toml.get("cgroup_manager"));
        assertEquals("runc", toml.get("default_runtime"));
        assertEquals("registry.example.org/pause:3.10", toml.get("pause_image"));
        assertEquals(0, ((Number) toml.get("orphan_sweep_interval_seconds")).intValue());
        assertEquals(Map.of("default_network", false), toml.get("cni"));
        assertEquals(Map.of("enabled", true, "address", "0.0.0.0:9464"), toml.get("metrics"));

        toml = dropIn(RenderedChart.render(Map.of("metrics.enabled", false)));
        assertEquals(Map.of("enabled", false), toml.get("metrics"));
    }

    @Test
    void nodeSelectionCombinesTheLabelWithSelectorTolerationsAndAffinity() {
        PodSpec pod = RenderedChart.render(Map.of(
                        "nodeLabel.key",
                        "example.org/runtime",
                        "nodeLabel.value",
                        "jcri",
                        "nodeSelector.kubernetes\\.io/os",
                        "linux",
                        "tolerations[0].key",
                        "node-role.kubernetes.io/control-plane",
                        "tolerations[0].operator",
                        "Exists",
                        "tolerations[0].effect",
                        "NoSchedule",
                        "affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution"
                                + ".nodeSelectorTerms[0].matchExpressions[0].key",
                        "kubernetes.io/arch",
                        "affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution"
                                + ".nodeSelectorTerms[0].matchExpressions[0].operator",
                        "In",
                        "affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution"
                                + ".nodeSelectorTerms[0].matchExpressions[0].values[0]",
                        "amd64"))
                .one(DaemonSet.class)
                .getSpec()
                .getTemplate()
                .getSpec();
        assertEquals(Map.of("example.org/runtime", "jcri", "kubernetes.io/os", "linux"), pod.getNodeSelector());
        assertEquals(
                "node-role.kubernetes.io/control-plane",
                pod.getTolerations().getFirst().getKey());
        assertEquals("NoSchedule", pod.getTolerations().getFirst().getEffect());
        assertEquals(
                "kubernetes.io/arch",
                pod.getAffinity()
                        .getNodeAffinity()
                        .getRequiredDuringSchedulingIgnoredDuringExecution()
                        .getNodeSelectorTerms()
                        .getFirst()
                        .getMatchExpressions()
                        .getFirst()
                        .getKey());
    }

    @Test
    void kubeletSwitchAndUninstallModeReachTheInstaller() {
        Container installer = installer(RenderedChart.render(Map.of(
                "kubelet.switch", true,
                "kubelet.configFile", "/etc/kubernetes/kubelet.yaml",
                "mode", "uninstall",
                "image.tag", "1.2.3",
                "hostRootMount", "/node")));
        assertEquals("uninstall", installer.getArgs().getFirst());
        assertTrue(installer.getArgs().contains("--kubelet-switch=true"));
        assertTrue(installer.getArgs().contains("--kubelet-config=/etc/kubernetes/kubelet.yaml"));
        assertTrue(installer.getArgs().contains("--root=/node"));
        assertEquals("registry.example.org/jcri/installer:1.2.3", installer.getImage());
        assertEquals("/node", mount(installer, "host-root").getMountPath());
    }

    @Test
    void rbacLetsTheInstallerPatchNodesOnly() {
        RenderedChart chart = RenderedChart.render(Map.of());
        ServiceAccount account = chart.one(ServiceAccount.class);
        assertEquals("jcri", account.getMetadata().getName());
        assertEquals("kube-system", account.getMetadata().getNamespace());

        GenericKubernetesResource role =
                (GenericKubernetesResource) chart.kind("ClusterRole").orElseThrow();
        assertEquals("rbac.authorization.k8s.io/v1", role.getApiVersion());
        assertEquals("jcri-installer", role.getMetadata().getName());
        List<?> rules = (List<?>) role.getAdditionalProperties().get("rules");
        assertEquals(
                List.of(Map.of(
                        "apiGroups", List.of(""), "resources", List.of("nodes"), "verbs", List.of("get", "patch"))),
                rules);

        GenericKubernetesResource binding =
                (GenericKubernetesResource) chart.kind("ClusterRoleBinding").orElseThrow();
        Map<?, ?> roleRef = (Map<?, ?>) binding.getAdditionalProperties().get("roleRef");
        assertEquals("ClusterRole", roleRef.get("kind"));
        assertEquals("jcri-installer", roleRef.get("name"));
        assertEquals(
                List.of(Map.of("kind", "ServiceAccount", "name", "jcri", "namespace", "kube-system")),
                binding.getAdditionalProperties().get("subjects"));

        RenderedChart without = RenderedChart.render(Map.of("rbac.create", false));
        assertTrue(without.all(ServiceAccount.class).isEmpty());
        assertTrue(without.kind("ClusterRole").isEmpty());
        assertTrue(without.kind("ClusterRoleBinding").isEmpty());
        PodSpec pod = without.one(DaemonSet.class).getSpec().getTemplate().getSpec();
        assertFalse(pod.getAutomountServiceAccountToken(), "no RBAC, no token: the installer skips the node label");
        assertNull(pod.getServiceAccountName());
    }

    @Test
    void runtimeClassesFollowTheirValues() {
        assertTrue(RenderedChart.render(Map.of("runtimeClasses.enabled", false))
                .all(RuntimeClass.class)
                .isEmpty());
        List<RuntimeClass> classes = RenderedChart.render(
                        Map.of("runtimeClasses.handlers[0]", "runc", "runtimeClasses.namePrefix", ""))
                .all(RuntimeClass.class);
        assertEquals(1, classes.size());
        assertEquals("runc", classes.getFirst().getMetadata().getName());
        assertEquals("runc", classes.getFirst().getHandler());
    }

    @ParameterizedTest
    @CsvSource({
        // enabled, skipCrdCheck, metrics.enabled, rendered
        "false, false, true, false",
        "true, false, true, false", // helm template sees no CRD: nothing
        "false, true, true, false",
        "true, true, true, true",
        "true, true, false, false"
    })
    void serviceMonitorOnlyWithItsFlagAndTheCrd(
            boolean enabled, boolean skipCrdCheck, boolean metricsEnabled, boolean rendered) {
        RenderedChart chart = RenderedChart.render(Map.of(
                "metrics.serviceMonitor.enabled", enabled,
                "metrics.serviceMonitor.skipCrdCheck", skipCrdCheck,
                "metrics.enabled", metricsEnabled,
                "metrics.serviceMonitor.labels.release", "prometheus"));
        assertEquals(rendered, chart.kind("ServiceMonitor").isPresent());
        if (rendered) {
            GenericKubernetesResource monitor =
                    (GenericKubernetesResource) chart.kind("ServiceMonitor").orElseThrow();
            assertEquals("monitoring.coreos.com/v1", monitor.getApiVersion());
            assertEquals("prometheus", monitor.getMetadata().getLabels().get("release"));
            Map<?, ?> spec = (Map<?, ?>) monitor.getAdditionalProperties().get("spec");
            Map<?, ?> endpoint = (Map<?, ?>) ((List<?>) spec.get("endpoints")).getFirst();
            assertEquals("metrics", endpoint.get("port"));
            assertEquals("/metrics", endpoint.get("path"));
            Service service = chart.one(Service.class);
            Map<?, ?> selected = (Map<?, ?>) ((Map<?, ?>) spec.get("selector")).get("matchLabels");
            selected.forEach((key, value) ->
                    assertEquals(value, service.getMetadata().getLabels().get(key), "the Service has " + key));
        }
        if (!metricsEnabled) {
            assertTrue(chart.all(Service.class).isEmpty());
            assertTrue(installer(chart).getPorts().isEmpty());
        }
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "mode|reinstall|mode",
                "kubelet.switch|yes|kubelet.switch",
                "runtimeClasses.handlers[0]|kata|runtimeClasses.handlers",
                "metrics.port|70000|metrics.port",
                "config.cgroupManager|systemdd|config.cgroupManager",
                "hostRootMount|/|hostRootMount",
                "image.pullPolicy|Sometimes|image.pullPolicy",
                "nodeLabel.value|not a label|nodeLabel.value",
                "metrics.serviceMonitor.interval|30|metrics.serviceMonitor.interval",
                "rbac.create|maybe|rbac.create",
                "unknownKey|1|unknownKey"
            })
    void schemaRefusesBadValuesNamingTheKey(String key, String value, String named) {
        Exception refused = assertThrows(Exception.class, () -> RenderedChart.render(Map.of(key, value)));
        String message = refused.getMessage();
        assertTrue(message.contains("schema"), message);
        assertTrue(message.contains(named.substring(named.lastIndexOf('.') + 1)), message);
    }

    private static Map<String, Object> dropIn(RenderedChart chart) {
        String toml = chart.one(ConfigMap.class).getData().get("50-chart.toml");
        return TomlMapper.builder().build().readValue(toml, new TypeReference<Map<String, Object>>() {});
    }

    private static Container installer(RenderedChart chart) {
        return chart.one(DaemonSet.class)
                .getSpec()
                .getTemplate()
                .getSpec()
                .getContainers()
                .getFirst();
    }

    private static Volume volume(PodSpec pod, String name) {
        return pod.getVolumes().stream()
                .filter(v -> name.equals(v.getName()))
                .findFirst()
                .orElseThrow();
    }

    private static VolumeMount mount(Container container, String name) {
        return container.getVolumeMounts().stream()
                .filter(m -> name.equals(m.getName()))
                .findFirst()
                .orElseThrow();
    }
}
