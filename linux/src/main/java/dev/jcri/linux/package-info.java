/**
 * The Linux calls the JDK lacks (mounts, namespaces, xattrs, device nodes, terminals, SCM_RIGHTS), made through
 * java.lang.foreign, and the file and process plumbing every module shares (atomic files, safe tree deletion, child
 * output, process trees). Imports nothing of jcri's.
 */
package dev.jcri.linux;
