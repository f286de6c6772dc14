package io.github.comfylite.testkit;

import java.util.Objects;
import java.util.function.Consumer;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * A JUnit 5 extension that starts a fresh {@link FakeComfyUi} before each test and closes it after.
 *
 * <pre>{@code
 * class MyTest {
 *     @RegisterExtension
 *     final FakeComfyUiExtension comfy = FakeComfyUiExtension.create(b -> b.livePreviews(true));
 *
 *     @Test
 *     void generates() {
 *         URI url = comfy.fake().url();
 *     }
 * }
 *
 * @ExtendWith(FakeComfyUiExtension.class)
 * class OtherTest {
 *     @Test
 *     void generates(FakeComfyUi fake) { ... }     // injected, default settings
 * }
 * }</pre>
 *
 * <p>Register it on an instance field (per test), not a static one. JUnit needs the public
 * no-argument constructor for {@code @ExtendWith}; it gives the default settings.
 */
public final class FakeComfyUiExtension implements BeforeEachCallback, AfterEachCallback, ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(FakeComfyUiExtension.class);

    private final Consumer<FakeComfyUi.Builder> configuration;
    private volatile FakeComfyUi current;

    /** An extension with the default settings (for {@code @ExtendWith}). */
    public FakeComfyUiExtension() {
        this(b -> { });
    }

    private FakeComfyUiExtension(Consumer<FakeComfyUi.Builder> configuration) {
        this.configuration = configuration;
    }

    /**
     * An extension whose fakes are built with the default settings.
     *
     * @return an extension to register with {@code @RegisterExtension}
     */
    public static FakeComfyUiExtension create() {
        return new FakeComfyUiExtension();
    }

    /**
     * An extension whose fakes are built with {@code configuration} applied to a fresh builder.
     *
     * @param configuration sets options on the builder before each fake is built, e.g. {@code b ->
     *     b.livePreviews(true)}
     * @return an extension to register with {@code @RegisterExtension}
     */
    public static FakeComfyUiExtension create(Consumer<FakeComfyUi.Builder> configuration) {
        return new FakeComfyUiExtension(Objects.requireNonNull(configuration, "configuration"));
    }

    /**
     * The fake of the running test.
     *
     * @return the started fake, stopped again after the test
     * @throws IllegalStateException outside a test
     */
    public FakeComfyUi fake() {
        FakeComfyUi f = current;
        if (f == null) {
            throw new IllegalStateException("no FakeComfyUi: fake() is only available while a test runs");
        }
        return f;
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        FakeComfyUi.Builder builder = FakeComfyUi.builder();
        configuration.accept(builder);
        FakeComfyUi fake = builder.build().start();
        current = fake;
        context.getStore(NAMESPACE).put(FakeComfyUi.class, fake);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        FakeComfyUi fake = context.getStore(NAMESPACE).remove(FakeComfyUi.class, FakeComfyUi.class);
        current = null;
        if (fake != null) {
            fake.close();
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == FakeComfyUi.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        FakeComfyUi fake = extensionContext.getStore(NAMESPACE).get(FakeComfyUi.class, FakeComfyUi.class);
        if (fake == null) {
            throw new IllegalStateException("FakeComfyUi can only be injected into test methods");
        }
        return fake;
    }
}
