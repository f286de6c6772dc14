/** What a prompt ends in ({@code Outcome}), the images it produced, and the sinks that receive it. */
package io.github.comfylite.result;
