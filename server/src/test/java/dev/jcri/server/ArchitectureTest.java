package dev.jcri.server;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaCall;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import java.util.Set;

/**
 * The module and package rules the build checks, over the main classes of every module (server's test classpath
 * holds them all). Maven already keeps modules from importing what their pom does not declare; these rules hold
 * what a pom cannot say: the CRI's wire types stay in server, packages form no cycles, one class assembles the node.
 */
@AnalyzeClasses(packages = "dev.jcri", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
    private static final String[] DOMAIN = {
        "dev.jcri.sandbox..", "dev.jcri.image..", "dev.jcri.cni..", "dev.jcri.linux.."
    };

    /** The domain speaks its own types; converting to and from the CRI's messages is the rpc handlers' job. */
    @ArchTest
    static final ArchRule domainNeverSeesTheCriOrTheServer = noClasses()
            .that()
            .resideInAnyPackage(DOMAIN)
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage("dev.jcri.cri.v1..", "dev.jcri.server..");

    /** Every package of every module, one slice each: a cycle means two packages are one job or a job is split. */
    @ArchTest
    static final ArchRule noPackageCycles =
            slices().matching("dev.jcri.(**)").should().beFreeOfCycles();

    /** {@code linux} is the syscall layer under everything: it knows no other module. */
    @ArchTest
    static final ArchRule linuxStandsAlone = noClasses()
            .that()
            .resideInAPackage("dev.jcri.linux..")
            .should()
            .dependOnClassesThat(resideInAPackage("dev.jcri..").and(not(resideInAPackage("dev.jcri.linux.."))));

    /** Images and networks are used by pods, never the other way round, and know nothing of each other. */
    @ArchTest
    static final ArchRule imagesKnowNoPodsOrNetworks = noClasses()
            .that()
            .resideInAPackage("dev.jcri.image..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage("dev.jcri.sandbox..", "dev.jcri.cni..");

    @ArchTest
    static final ArchRule networksKnowNoPodsOrImages = noClasses()
            .that()
            .resideInAPackage("dev.jcri.cni..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage("dev.jcri.sandbox..", "dev.jcri.image..");

    /** Handlers are transport-free: the call runner, errors and batching they use live in {@code server.call}. */
    @ArchTest
    static final ArchRule handlersKnowNoTransport = noClasses()
            .that()
            .resideInAPackage("dev.jcri.server.rpc..")
            .should()
            .dependOnClassesThat()
            .resideInAPackage("dev.jcri.server.grpc..");

    /** {@code call} sits under both: it runs any handler over any transport and names neither. */
    @ArchTest
    static final ArchRule callKnowsNoHandlersOrTransport = noClasses()
            .that()
            .resideInAPackage("dev.jcri.server.call..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage("dev.jcri.server.rpc..", "dev.jcri.server.grpc..");

    /** {@code jcri play} is a CRI client like kubelet: it reaches the daemon through the socket only. */
    @ArchTest
    static final ArchRule playTalksOnlyThroughTheCri = noClasses()
            .that()
            .resideInAPackage("dev.jcri.server.play..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(
                    "dev.jcri.sandbox..",
                    "dev.jcri.image..",
                    "dev.jcri.cni..",
                    "dev.jcri.server.daemon..",
                    "dev.jcri.server.grpc..",
                    "dev.jcri.server.rpc..",
                    "dev.jcri.server.call..",
                    "dev.jcri.server.config..");

    /**
     * The long-lived domain objects that hold the node's state or its host resources: a second instance of any of
     * them would be a second truth about the node (two record caches, two exit watchers, two sweeps).
     */
    private static final Set<String> NODE_SERVICES = Set.of(
            "dev.jcri.sandbox.pod.PodSandboxes",
            "dev.jcri.sandbox.container.Containers",
            "dev.jcri.sandbox.sweep.OrphanSweep",
            "dev.jcri.sandbox.stats.ResourceStats",
            "dev.jcri.image.store.ImageStore",
            "dev.jcri.image.pull.ImagePuller",
            "dev.jcri.cni.PodNetworking");

    /** A constructor, or a static factory returning its own class, called from outside that class. */
    private static final DescribedPredicate<JavaCall<?>> BUILDS_A_NODE_SERVICE =
            DescribedPredicate.describe("constructs one of " + NODE_SERVICES, call -> {
                String owner = call.getTargetOwner().getFullName();
                if (!NODE_SERVICES.contains(owner)
                        || call.getOriginOwner().getFullName().equals(owner)) {
                    return false;
                }
                if (call.getTarget().getName().equals("<init>")) {
                    return true;
                }
                return call.getTarget().getRawReturnType().getFullName().equals(owner)
                        && call.getTarget()
                                .resolveMember()
                                .map(m -> m.getModifiers().contains(JavaModifier.STATIC))
                                .orElse(false);
            });

    /** A class renamed or moved must be renamed here too, or the rule below would silently check nothing. */
    @ArchTest
    static void nodeServicesExist(JavaClasses classes) {
        for (String name : NODE_SERVICES) {
            assertTrue(classes.contain(name), name + " is no longer a class: update NODE_SERVICES");
        }
    }

    /** {@code daemon.NodeServices} is the one place that assembles the node. */
    @ArchTest
    static final ArchRule onlyNodeServicesBuildsTheNode = noClasses()
            .that()
            .doNotHaveFullyQualifiedName("dev.jcri.server.daemon.NodeServices")
            .should()
            .callCodeUnitWhere(BUILDS_A_NODE_SERVICE);
}
