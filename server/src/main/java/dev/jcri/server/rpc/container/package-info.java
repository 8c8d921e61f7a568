/**
 * The container RPCs: create, start, stop, remove, status, list, exec, attach, events, resources, log reopening, and
 * the conversions between CRI container messages and the domain's.
 */
package dev.jcri.server.rpc.container;
