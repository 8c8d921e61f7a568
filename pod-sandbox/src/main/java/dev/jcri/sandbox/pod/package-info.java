/**
 * Pod sandboxes: run, stop, remove and recover, with their names and IDs, sysctls, resolv.conf and hosts file. A pod
 * is its pinned namespaces, its network and its record: no process stands for it.
 */
package dev.jcri.sandbox.pod;
