package io.github.comfylite.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The node classes the fake knows, with {@code /object_info} entries modelled on ComfyUI v0.3.64's
 * {@code nodes.py}, {@code comfy_extras} and {@code custom_nodes/websocket_image_save.py}. Combo
 * lists (checkpoints, input images) come from the current model and file lists, as ComfyUI reads
 * them again on every validation.
 */
final class NodeCatalog {
    /** ComfyUI's {@code MAX_RESOLUTION}. */
    static final int MAX_RESOLUTION = 16384;

    static final List<String> SAMPLERS = List.of("euler", "euler_cfg_pp", "euler_ancestral",
            "euler_ancestral_cfg_pp", "heun", "heunpp2", "dpm_2", "dpm_2_ancestral", "lms", "dpm_fast",
            "dpm_adaptive", "dpmpp_2s_ancestral", "dpmpp_2s_ancestral_cfg_pp", "dpmpp_sde", "dpmpp_sde_gpu",
            "dpmpp_2m", "dpmpp_2m_cfg_pp", "dpmpp_2m_sde", "dpmpp_2m_sde_gpu", "dpmpp_2m_sde_heun",
            "dpmpp_2m_sde_heun_gpu", "dpmpp_3m_sde", "dpmpp_3m_sde_gpu", "ddpm", "lcm", "ipndm", "ipndm_v",
            "deis", "res_multistep", "res_multistep_cfg_pp", "res_multistep_ancestral",
            "res_multistep_ancestral_cfg_pp", "gradient_estimation", "gradient_estimation_cfg_pp", "er_sde",
            "seeds_2", "seeds_3", "sa_solver", "sa_solver_pece", "ddim", "uni_pc", "uni_pc_bh2");
    static final List<String> SCHEDULERS = List.of("simple", "sgm_uniform", "karras", "exponential",
            "ddim_uniform", "beta", "normal", "linear_quadratic", "kl_optimal");

    /** One declared input: its group ("required"/"optional"), type (a string or a combo list) and options. */
    record InputDef(String name, String group, JsonNode type, ObjectNode options) {
        boolean isCombo() {
            return type.isArray() || "COMBO".equals(type.asText());
        }

        String typeName() {
            return type.isArray() ? "COMBO" : type.asText();
        }

        /** The {@code input_config} ComfyUI reports in errors: {@code [type, options]}. */
        ArrayNode config() {
            ArrayNode a = Json.array();
            a.add(type.deepCopy());
            a.add(options.deepCopy());
            return a;
        }
    }

    /** One node class: its declared inputs, output types, and its {@code /object_info} entry. */
    record NodeClass(String name, List<InputDef> inputs, List<String> outputs, boolean outputNode,
            boolean customValidation, ObjectNode info) {
        Optional<InputDef> input(String inputName) {
            for (InputDef d : inputs) {
                if (d.name().equals(inputName)) {
                    return Optional.of(d);
                }
            }
            return Optional.empty();
        }
    }

    private final Map<String, NodeClass> classes;

    private NodeCatalog(Map<String, NodeClass> classes) {
        this.classes = classes;
    }

    Optional<NodeClass> get(String name) {
        return Optional.ofNullable(classes.get(name));
    }

    Collection<NodeClass> all() {
        return classes.values();
    }

    ObjectNode objectInfo() {
        ObjectNode all = Json.object();
        for (NodeClass c : classes.values()) {
            all.set(c.name(), c.info().deepCopy());
        }
        return all;
    }

    /** Builds the catalog for the given model folders (folder name to file names) and input files. */
    static NodeCatalog build(Map<String, List<String>> models, List<String> inputFiles) {
        Map<String, NodeClass> m = new LinkedHashMap<>();
        List<String> ckpts = models.getOrDefault("checkpoints", List.of());
        List<String> unets = models.getOrDefault("diffusion_models", List.of());
        List<String> clips = models.getOrDefault("text_encoders", List.of());
        List<String> vaes = models.getOrDefault("vae", List.of());

        add(m, new Def("CheckpointLoaderSimple", "Load Checkpoint", "loaders",
                "Loads a diffusion model checkpoint, diffusion models are used to denoise latents.", "nodes")
                .req("ckpt_name", combo(ckpts), "tooltip", "The name of the checkpoint (model) to load.")
                .out("MODEL", "MODEL", "The model used for denoising latents.")
                .out("CLIP", "CLIP", "The CLIP model used for encoding text prompts.")
                .out("VAE", "VAE", "The VAE model used for encoding and decoding images to and from latent space."));
        add(m, new Def("CLIPTextEncode", "CLIP Text Encode (Prompt)", "conditioning",
                "Encodes a text prompt using a CLIP model into an embedding that can be used to guide the diffusion model towards generating specific images.",
                "nodes")
                .req("text", str("STRING"), "multiline", true, "dynamicPrompts", true,
                        "tooltip", "The text to be encoded.")
                .req("clip", str("CLIP"), "tooltip", "The CLIP model used for encoding the text.")
                .out("CONDITIONING", "CONDITIONING",
                        "A conditioning containing the embedded text used to guide the diffusion model."));
        add(m, new Def("EmptyLatentImage", "Empty Latent Image", "latent",
                "Create a new batch of empty latent images to be denoised via sampling.", "nodes")
                .req("width", str("INT"), "default", 512, "min", 16, "max", MAX_RESOLUTION, "step", 8,
                        "tooltip", "The width of the latent images in pixels.")
                .req("height", str("INT"), "default", 512, "min", 16, "max", MAX_RESOLUTION, "step", 8,
                        "tooltip", "The height of the latent images in pixels.")
                .req("batch_size", str("INT"), "default", 1, "min", 1, "max", 4096,
                        "tooltip", "The number of latent images in the batch.")
                .out("LATENT", "LATENT", "The empty latent image batch."));
        add(m, new Def("KSampler", "KSampler", "sampling",
                "Uses the provided model, positive and negative conditioning to denoise the latent image.", "nodes")
                .req("model", str("MODEL"), "tooltip", "The model used for denoising the input latent.")
                .req("seed", str("INT"), "default", 0, "min", 0, "max", new BigInteger("18446744073709551615"),
                        "control_after_generate", true, "tooltip", "The random seed used for creating the noise.")
                .req("steps", str("INT"), "default", 20, "min", 1, "max", 10000,
                        "tooltip", "The number of steps used in the denoising process.")
                .req("cfg", str("FLOAT"), "default", 8.0, "min", 0.0, "max", 100.0, "step", 0.1, "round", 0.01,
                        "tooltip", "Classifier-Free Guidance scale.")
                .req("sampler_name", combo(SAMPLERS), "tooltip", "The algorithm used when sampling.")
                .req("scheduler", combo(SCHEDULERS),
                        "tooltip", "The scheduler controls how noise is gradually removed to form the image.")
                .req("positive", str("CONDITIONING"),
                        "tooltip", "The conditioning describing the attributes you want to include in the image.")
                .req("negative", str("CONDITIONING"),
                        "tooltip", "The conditioning describing the attributes you want to exclude from the image.")
                .req("latent_image", str("LATENT"), "tooltip", "The latent image to denoise.")
                .req("denoise", str("FLOAT"), "default", 1.0, "min", 0.0, "max", 1.0, "step", 0.01,
                        "tooltip", "The amount of denoising applied.")
                .out("LATENT", "LATENT", "The denoised latent."));
        add(m, new Def("VAEDecode", "VAE Decode", "latent",
                "Decodes latent images back into pixel space images.", "nodes")
                .req("samples", str("LATENT"), "tooltip", "The latent to be decoded.")
                .req("vae", str("VAE"), "tooltip", "The VAE model used for decoding the latent.")
                .out("IMAGE", "IMAGE", "The decoded image."));
        add(m, new Def("VAEEncode", "VAE Encode", "latent", "", "nodes")
                .req("pixels", str("IMAGE"))
                .req("vae", str("VAE"))
                .out("LATENT", "LATENT", null));
        add(m, new Def("SaveImage", "Save Image", "image",
                "Saves the input images to your ComfyUI output directory.", "nodes")
                .req("images", str("IMAGE"), "tooltip", "The images to save.")
                .req("filename_prefix", str("STRING"), "default", "ComfyUI",
                        "tooltip", "The prefix for the file to save. This may include formatting information such as %date:yyyy-MM-dd% or %Empty Latent Image.width% to include values from nodes.")
                .hidden("prompt", "PROMPT").hidden("extra_pnginfo", "EXTRA_PNGINFO")
                .output());
        add(m, new Def("PreviewImage", "Preview Image", "image",
                "Saves the input images to your ComfyUI output directory.", "nodes")
                .req("images", str("IMAGE"))
                .hidden("prompt", "PROMPT").hidden("extra_pnginfo", "EXTRA_PNGINFO")
                .output());
        add(m, new Def("SaveImageWebsocket", "SaveImageWebsocket", "api/image", "",
                "custom_nodes.websocket_image_save")
                .req("images", str("IMAGE"))
                .output());
        add(m, new Def("EmptyImage", "EmptyImage", "image", "", "nodes")
                .req("width", str("INT"), "default", 512, "min", 1, "max", MAX_RESOLUTION, "step", 1)
                .req("height", str("INT"), "default", 512, "min", 1, "max", MAX_RESOLUTION, "step", 1)
                .req("batch_size", str("INT"), "default", 1, "min", 1, "max", 4096)
                .req("color", str("INT"), "default", 0, "min", 0, "max", 0xFFFFFF, "step", 1, "display", "color")
                .out("IMAGE", "IMAGE", null));
        Def load = new Def("LoadImage", "Load Image", "image", "", "nodes")
                .req("image", combo(inputFiles), "image_upload", true)
                .out("IMAGE", "IMAGE", null)
                .out("MASK", "MASK", null);
        load.customValidation = true;
        add(m, load);
        add(m, new Def("EmptySD3LatentImage", "EmptySD3LatentImage", "latent/sd3", "", "comfy_extras.nodes_sd3")
                .req("width", str("INT"), "default", 1024, "min", 16, "max", MAX_RESOLUTION, "step", 16)
                .req("height", str("INT"), "default", 1024, "min", 16, "max", MAX_RESOLUTION, "step", 16)
                .req("batch_size", str("INT"), "default", 1, "min", 1, "max", 4096)
                .out("LATENT", "LATENT", null));
        add(m, new Def("FluxGuidance", "FluxGuidance", "advanced/conditioning/flux", "", "comfy_extras.nodes_flux")
                .req("conditioning", str("CONDITIONING"))
                .req("guidance", str("FLOAT"), "default", 3.5, "min", 0.0, "max", 100.0, "step", 0.1)
                .out("CONDITIONING", "CONDITIONING", null));
        add(m, new Def("UNETLoader", "Load Diffusion Model", "advanced/loaders", "", "nodes")
                .req("unet_name", combo(unets))
                .req("weight_dtype", combo(List.of("default", "fp8_e4m3fn", "fp8_e4m3fn_fast", "fp8_e5m2")))
                .out("MODEL", "MODEL", null));
        add(m, new Def("DualCLIPLoader", "DualCLIPLoader", "advanced/loaders",
                "[Recipes]\n\nsdxl: clip-l, clip-g\nsd3: clip-l, clip-g / clip-l, t5 / clip-g, t5\nflux: clip-l, t5\nhidream: at least one of t5 or llama, recommended t5 and llama",
                "nodes")
                .req("clip_name1", combo(clips))
                .req("clip_name2", combo(clips))
                .req("type", combo(List.of("sdxl", "sd3", "flux", "hunyuan_video", "hidream")))
                .opt("device", combo(List.of("default", "cpu")), "advanced", true)
                .out("CLIP", "CLIP", null));
        add(m, new Def("VAELoader", "Load VAE", "loaders", "", "nodes")
                .req("vae_name", combo(vaes))
                .out("VAE", "VAE", null));
        return new NodeCatalog(m);
    }

    private static void add(Map<String, NodeClass> m, Def d) {
        m.put(d.name, d.toNodeClass());
    }

    private static JsonNode str(String type) {
        return Json.F.textNode(type);
    }

    private static JsonNode combo(List<String> values) {
        ArrayNode a = Json.array();
        values.forEach(a::add);
        return a;
    }

    private static ObjectNode options(Object... kv) {
        ObjectNode o = Json.object();
        for (int i = 0; i < kv.length; i += 2) {
            String k = (String) kv[i];
            Object v = kv[i + 1];
            if (v instanceof String s) {
                o.put(k, s);
            } else if (v instanceof Integer n) {
                o.put(k, n);
            } else if (v instanceof Double n) {
                o.put(k, n);
            } else if (v instanceof BigInteger n) {
                o.put(k, n);
            } else if (v instanceof Boolean b) {
                o.put(k, b);
            } else {
                throw new IllegalArgumentException("unsupported option value for " + k);
            }
        }
        return o;
    }

    /** A small builder for node class definitions. */
    private static final class Def {
        final String name;
        final String displayName;
        final String category;
        final String description;
        final String module;
        final List<InputDef> inputs = new ArrayList<>();
        final Map<String, String> hidden = new LinkedHashMap<>();
        final List<String[]> outputs = new ArrayList<>();
        boolean outputNode;
        boolean customValidation;

        Def(String name, String displayName, String category, String description, String module) {
            this.name = name;
            this.displayName = displayName;
            this.category = category;
            this.description = description;
            this.module = module;
        }

        Def req(String input, JsonNode type, Object... kv) {
            inputs.add(new InputDef(input, "required", type, options(kv)));
            return this;
        }

        Def opt(String input, JsonNode type, Object... kv) {
            inputs.add(new InputDef(input, "optional", type, options(kv)));
            return this;
        }

        Def hidden(String input, String kind) {
            hidden.put(input, kind);
            return this;
        }

        Def out(String type, String outName, String tooltip) {
            outputs.add(new String[] {type, outName, tooltip});
            return this;
        }

        Def output() {
            outputNode = true;
            return this;
        }

        NodeClass toNodeClass() {
            ObjectNode info = Json.object();
            ObjectNode input = info.putObject("input");
            ObjectNode order = Json.object();
            for (InputDef d : inputs) {
                ObjectNode group = input.has(d.group()) ? (ObjectNode) input.get(d.group()) : input.putObject(d.group());
                ArrayNode spec = Json.array().add(d.type().deepCopy());
                if (!d.options().isEmpty()) {
                    spec.add(d.options().deepCopy());
                }
                group.set(d.name(), spec);
                ArrayNode names = order.has(d.group()) ? (ArrayNode) order.get(d.group()) : order.putArray(d.group());
                names.add(d.name());
            }
            if (!hidden.isEmpty()) {
                ObjectNode h = input.putObject("hidden");
                ArrayNode names = order.putArray("hidden");
                hidden.forEach((k, v) -> {
                    h.put(k, v);
                    names.add(k);
                });
            }
            info.set("input_order", order);
            ArrayNode out = info.putArray("output");
            ArrayNode isList = info.putArray("output_is_list");
            ArrayNode outNames = info.putArray("output_name");
            boolean tooltips = false;
            for (String[] o : outputs) {
                out.add(o[0]);
                isList.add(false);
                outNames.add(o[1]);
                tooltips |= o[2] != null;
            }
            info.put("name", name);
            info.put("display_name", displayName);
            info.put("description", description);
            info.put("python_module", module);
            info.put("category", category);
            info.put("output_node", outputNode);
            if (tooltips) {
                ArrayNode t = info.putArray("output_tooltips");
                outputs.forEach(o -> t.add(o[2]));
            }
            List<String> outTypes = new ArrayList<>();
            outputs.forEach(o -> outTypes.add(o[0]));
            return new NodeClass(name, List.copyOf(inputs), List.copyOf(outTypes), outputNode, customValidation, info);
        }
    }
}
