/**
 * The image store on disk: layers by chain ID, verified blobs, and image records written last, so an image exists
 * exactly when its record does; startup drops what a crash left half made, and {@code StoreUsage} measures it for
 * ImageFsInfo.
 */
package dev.jcri.image.store;
