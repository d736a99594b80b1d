/**
 * The residual writers a Pre-RMSNorm model centres in every forward (`centered: true`: attention
 * and cross-attention output projections, second FFN linears use their kernel and bias minus
 * their mean over the output units, so that training keeps them centred) — and their centred
 * weights computed once, for inference plans that must not pay the centring at every call.
 *
 * @module
 */
import * as tf from "../tf.ts";
import type { Dense } from "../nn/dense.ts";
import type { InferenceLinear } from "../nn/context.ts";
import type { TransformerStack } from "../nn/stack.ts";
import type { AnyModel } from "../models/presets.ts";
import { checkFoldable } from "./norm_slots.ts";

function stacksOf(model: AnyModel): TransformerStack[] {
  switch (checkFoldable(model)) {
    case "translator": {
      const m = model as Extract<AnyModel, { config: { kind: "translator" } }>;
      return [m.encoder, m.decoder];
    }
    default:
      return [(model as Exclude<AnyModel, { config: { kind: "translator" | "cnn" } }>).stack];
  }
}

/**
 * The dense layers of a model that centre their outputs in every forward (`centerOutputs`): the
 * residual writers of a Pre-RMSNorm model (`centered: true`), in forward order; empty for any
 * other model.
 *
 * @example
 * ```ts
 * import { centeredWriters, convertPreLnToPreRms, createModel } from "@normbench/normbench";
 * const vit = createModel({ model: "vit", preset: "tiny", norm: "ln" });
 * console.assert(centeredWriters(vit).length === 0);
 * console.assert(centeredWriters(convertPreLnToPreRms(vit)).length === 2 * 2);
 * ```
 */
export function centeredWriters(model: AnyModel): Dense[] {
  return stacksOf(model).flatMap((stack) =>
    stack.blocks.flatMap((b) => [b.attn.out, ...(b.cross ? [b.cross.out] : []), b.ffn.fc2])
  ).filter((d) => d.centerOutputs);
}

/**
 * A centring writer's weights with the centring done once: `kernel − mean over the output
 * units`, the same for the bias — what the layer computes in every forward, as new tensors
 * (dispose them). Its output is the layer's, bit for bit up to float rounding of the mean.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { bakeCentering, centeredWriters, convertPreLnToPreRms, createModel } from "@normbench/normbench";
 * const rms = convertPreLnToPreRms(createModel({ model: "vit", preset: "tiny", norm: "ln" }));
 * const baked = bakeCentering(centeredWriters(rms)[0]);
 * console.assert(Math.abs(tf.sum(baked.bias!).dataSync()[0]) < 1e-5);
 * tf.dispose([baked.kernel, baked.bias!]);
 * ```
 */
export function bakeCentering(layer: Dense): InferenceLinear {
  const kernel = layer.weight();
  const bias = layer.biasValue();
  return {
    kernel: kernel === layer.kernel ? tf.clone(kernel) : kernel,
    bias: bias && bias === layer.bias ? tf.clone(bias) : bias,
    activation: layer.activation,
  };
}
