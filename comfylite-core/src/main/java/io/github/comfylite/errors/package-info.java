/**
 * The exceptions ComfyLite throws. All are unchecked and extend the sealed
 * {@link io.github.comfylite.errors.ComfyLiteException}, so a caller can catch one type and still tell the cases apart.
 */
package io.github.comfylite.errors;
