/**
 * The image RPCs: pull, status, list, remove, ImageFsInfo, and the conversions of image records to CRI messages. The
 * pull ties the call's deadline and cancellation to the pulling thread.
 */
package dev.jcri.server.rpc.image;
