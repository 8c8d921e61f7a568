package dev.jcri.server.call;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.jcri.sandbox.pod.QuotedText;
import java.util.Map;
import java.util.Set;

/**
 * The size bounds every request is held to before its handler runs, walked over the message's descriptors so that
 * no RPC and no field (a future one included) escapes them. A request past a bound is refused with
 * INVALID_ARGUMENT naming the field ({@code config.mounts[2].host_path}); gRPC's own limit of 16 MiB per message
 * (kubelet's) bounds the whole.
 *
 * <p>The bounds are generous: what kubelet sends stays far below them. They exist so that one request cannot make
 * jcri write megabytes into records, config.json, resolv.conf or its log, or spend time in proportion to a huge
 * map.
 */
public final class RequestLimits {
    /** Any string or bytes field without a bound of its own: names, IDs, images, filters. */
    public static final int MAX_STRING = 16 << 10;
    /** Paths: Linux's PATH_MAX; no longer path can be opened. */
    public static final int MAX_PATH = 4096;
    /** One argv or environment string: Linux's MAX_ARG_STRLEN (32 pages); execve refuses a longer one. */
    public static final int MAX_ARGUMENT = 128 << 10;
    /**
     * One annotation value: the Kubernetes API caps an object's annotations at 256 KiB together, so a single value
     * (kubectl's last-applied-configuration, say) may be that long.
     */
    public static final int MAX_ANNOTATION_VALUE = 256 << 10;
    /** Labels and annotations of one object, keys and values together: the API's 256 KiB twice, for kubelet's own. */
    public static final int MAX_LABELS_AND_ANNOTATIONS = 512 << 10;
    /** Entries of one map (labels, annotations, sysctls, unified, selectors): far beyond any pod's. */
    public static final int MAX_MAP_ENTRIES = 1000;
    /**
     * Elements of one list. Environment lists are the longest real ones: service links add seven variables per
     * service in the namespace, so a few thousand happen.
     */
    public static final int MAX_LIST_ELEMENTS = 10_000;

    /**
     * A request no larger than this, encoded, is within every bound, and the descriptor walk (the larger part of a
     * poll's own CPU) is skipped: every string or bytes field, list and map encodes at least one byte per character,
     * byte or element, and the smallest bound on those is {@link #MAX_PATH}; a map entry takes 4 bytes plus its
     * key's, so no more than ~700 distinct keys fit, fewer than {@link #MAX_MAP_ENTRIES}.
     */
    static final int WITHIN_EVERY_BOUND = MAX_PATH;

    private static final Set<String> PATH_FIELDS = Set.of(
            "log_directory",
            "log_path",
            "container_path",
            "host_path",
            "working_dir",
            "masked_paths",
            "readonly_paths",
            "localhost_ref",
            "seccomp_profile_path",
            "cgroup_parent");
    private static final Set<String> ARGUMENT_FIELDS = Set.of("command", "args", "cmd");

    private RequestLimits() {}

    /** @throws IllegalArgumentException naming the first field past its bound */
    public static void check(Message request) {
        if (request.getSerializedSize() <= WITHIN_EVERY_BOUND) {
            return;
        }
        checkMessage(request, "");
    }

    private static void checkMessage(Message message, String path) {
        for (Map.Entry<FieldDescriptor, Object> entry : message.getAllFields().entrySet()) {
            FieldDescriptor field = entry.getKey();
            String name = path.isEmpty() ? field.getName() : path + "." + field.getName();
            if (field.isMapField()) {
                checkMap(message, field, name);
            } else if (field.isRepeated()) {
                int count = message.getRepeatedFieldCount(field);
                if (count > MAX_LIST_ELEMENTS) {
                    throw new IllegalArgumentException(
                            name + ": " + count + " elements; at most " + MAX_LIST_ELEMENTS + " are accepted");
                }
                for (int i = 0; i < count; i++) {
                    checkValue(
                            field, message.getRepeatedField(field, i), name + "[" + i + "]", limitOf(field, message));
                }
            } else {
                checkValue(field, entry.getValue(), name, limitOf(field, message));
            }
        }
        checkLabelsAndAnnotations(message, path);
    }

    private static void checkMap(Message message, FieldDescriptor field, String name) {
        int count = message.getRepeatedFieldCount(field);
        if (count > MAX_MAP_ENTRIES) {
            throw new IllegalArgumentException(
                    name + ": " + count + " entries; at most " + MAX_MAP_ENTRIES + " are accepted");
        }
        int valueLimit = field.getName().equals("annotations") ? MAX_ANNOTATION_VALUE : MAX_STRING;
        for (int i = 0; i < count; i++) {
            Message mapEntry = (Message) message.getRepeatedField(field, i);
            FieldDescriptor keyField = mapEntry.getDescriptorForType().findFieldByName("key");
            FieldDescriptor valueField = mapEntry.getDescriptorForType().findFieldByName("value");
            Object key = mapEntry.getField(keyField);
            checkValue(keyField, key, name + " (a key)", MAX_STRING);
            String keyText = key instanceof String s ? s : String.valueOf(key);
            checkValue(
                    valueField, mapEntry.getField(valueField), name + "[" + QuotedText.of(keyText) + "]", valueLimit);
        }
    }

    private static void checkValue(FieldDescriptor field, Object value, String name, int limit) {
        switch (value) {
            case String text
            when text.length() > limit ->
                throw new IllegalArgumentException(
                        name + ": " + text.length() + " characters; at most " + limit + " are accepted");
            case ByteString bytes
            when bytes.size() > limit ->
                throw new IllegalArgumentException(
                        name + ": " + bytes.size() + " bytes; at most " + limit + " are accepted");
            case Message nested
            when field.getJavaType() == FieldDescriptor.JavaType.MESSAGE -> checkMessage(nested, name);
            default -> {}
        }
    }

    private static int limitOf(FieldDescriptor field, Message owner) {
        if (PATH_FIELDS.contains(field.getName())) {
            return MAX_PATH;
        }
        if (ARGUMENT_FIELDS.contains(field.getName())) {
            return MAX_ARGUMENT;
        }
        // An environment variable's value (KeyValue.value in envs) reaches execve as one string.
        if (owner.getDescriptorForType().getName().equals("KeyValue")
                && field.getName().equals("value")) {
            return MAX_ARGUMENT;
        }
        return MAX_STRING;
    }

    private static void checkLabelsAndAnnotations(Message message, String path) {
        long total = 0;
        for (String mapName : new String[] {"labels", "annotations"}) {
            FieldDescriptor field = message.getDescriptorForType().findFieldByName(mapName);
            if (field == null || !field.isMapField()) {
                continue;
            }
            for (int i = 0; i < message.getRepeatedFieldCount(field); i++) {
                Message entry = (Message) message.getRepeatedField(field, i);
                for (Object part : entry.getAllFields().values()) {
                    total += part instanceof String s ? s.length() : 0;
                }
            }
        }
        if (total > MAX_LABELS_AND_ANNOTATIONS) {
            throw new IllegalArgumentException((path.isEmpty() ? "" : path + ".") + "labels, annotations: " + total
                    + " characters together; at most " + MAX_LABELS_AND_ANNOTATIONS + " are accepted");
        }
    }
}
