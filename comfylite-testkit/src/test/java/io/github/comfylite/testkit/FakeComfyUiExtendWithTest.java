package io.github.comfylite.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(FakeComfyUiExtension.class)
class FakeComfyUiExtendWithTest {
    @Test
    void injectsAStartedFakeWithDefaults(FakeComfyUi fake) {
        assertThat(FakeClient.get(fake.url(), "features").code()).isEqualTo(200);
    }
}
