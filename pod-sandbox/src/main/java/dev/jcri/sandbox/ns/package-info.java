/**
 * Pod namespaces: made, pinned by bind mounts and joined (user namespaces with their ID mappings included), and short
 * tasks run inside a pod's network namespace.
 */
package dev.jcri.sandbox.ns;
