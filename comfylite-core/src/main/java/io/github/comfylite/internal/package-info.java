/**
 * Implementation details shared by ComfyLite's packages: JSON and YAML mappers, thread factories, backoff, argument
 * checks.
 * <strong>Not API</strong>: anything here may change or disappear in any release.
 */
package io.github.comfylite.internal;
