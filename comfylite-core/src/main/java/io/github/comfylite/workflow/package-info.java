/**
 * Workflows: ComfyUI API-format templates ({@code templates/NAME.json}) paired with YAML mapping files
 * ({@code configs/NAME.yaml}) that turn request parameters into node inputs. Start at
 * {@link io.github.comfylite.workflow.WorkflowManager}, whose Javadoc describes the mapping file format.
 */
package io.github.comfylite.workflow;
