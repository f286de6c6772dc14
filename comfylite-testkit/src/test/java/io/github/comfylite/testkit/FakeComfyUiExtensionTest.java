package io.github.comfylite.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class FakeComfyUiExtensionTest {
    @RegisterExtension
    final FakeComfyUiExtension comfy = FakeComfyUiExtension.create(b -> b.oldServer(true));

    @Test
    void registeredExtensionStartsAConfiguredFakePerTest() {
        assertThat(FakeClient.get(comfy.fake().url(), "system_stats").code()).isEqualTo(200);
        assertThat(FakeClient.get(comfy.fake().url(), "features").code()).isEqualTo(404); // oldServer(true) applied
    }

    @Test
    void injectedParameterIsTheSameFake(FakeComfyUi fake) {
        assertThat(fake).isSameAs(comfy.fake());
    }

    @Test
    void fakeOutsideATestFails() {
        assertThatThrownBy(() -> FakeComfyUiExtension.create().fake()).isInstanceOf(IllegalStateException.class);
    }
}
