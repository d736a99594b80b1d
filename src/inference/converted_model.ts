/**
 * The model a converting inference variant runs (see `VariantSpec.convert`): a Pre-LN model of
 * the zoo — or a model whose norms are stood in for by a set of LayerNorms, as the efficiency
 * cells run them — converted exactly to Pre-RMSNorm or Pre-CRMSNorm.
 *
 * @module
 */
import type * as tf from "../tf.ts";
import { type AnyModel, buildModel, type ModelConfigs } from "../models/presets.ts";
import { convertPreLnToPreCrms, convertPreLnToPreRms } from "../models/convert_pre_rms.ts";
import type { ModelKind } from "../models/types.ts";
import type { Norm } from "../norms/types.ts";
import { UsageError } from "../util/errors.ts";
import { normSlots } from "./norm_slots.ts";
import type { VariantConversion } from "./variants.ts";

/**
 * `model` with the LayerNorms of `norms` (by slot path, see `normSlots`) in place of its own: a
 * new Pre-LN model with `model`'s other weights (copied) and those norms' γ, β.
 */
function withLayerNorms(model: AnyModel, norms: ReadonlyMap<string, Norm>): AnyModel {
  const slots = normSlots(model);
  const first = norms.get(slots[0]?.path ?? "");
  if (!first || first.name !== "ln" || [...norms.values()].some((n) => n.name !== "ln")) {
    throw new UsageError(
      "a converting variant converts a Pre-LN model: its norm set must be LayerNorms",
      "pass the ln norm set (createNormSet(model, 'ln', …)) or a model built with norm ln",
    );
  }
  const config = { ...model.config, norm: "ln", normOptions: { ...first.options } } as Record<
    string,
    unknown
  >;
  delete config.decoderNorm;
  const ln = buildModel(config as unknown as ModelConfigs[ModelKind]) as AnyModel;
  const own = model.variables();
  const lnSlots = new Map(normSlots(ln).map((s) => [s.norm, s.path]));
  const normOf = new Map<tf.Variable, tf.Tensor>();
  for (const norm of ln.norms()) {
    const path = lnSlots.get(norm);
    const source = path === undefined ? undefined : norms.get(path);
    if (!source) continue; // the encoder's MLM head norm: not used at inference
    const values = source.variables();
    for (const [name, v] of Object.entries(norm.variables())) normOf.set(v, values[name]);
  }
  for (const [path, v] of Object.entries(ln.variables())) {
    const value = normOf.get(v) ?? own[path];
    if (value) v.assign(value);
  }
  return ln;
}

/**
 * The model a converting variant runs: `model` (a Pre-LN model, or with `norms` the model whose
 * norms the LayerNorms of `norms` stand in for, by slot path) converted exactly by
 * `conversion` — `pre-rms`: `convertPreLnToPreRms`, `pre-crms`: `convertPreLnToPreCrms`. A new
 * model (dispose it); `model` and `norms` are left as they were. Its inference output equals the
 * LN model's within float error.
 *
 * @example
 * ```ts
 * import { buildInference, convertedModel, createModel, syntheticBatch } from "@normbench/normbench";
 * const ln = createModel({ model: "encoder", preset: "tiny", norm: "ln" });
 * const crms = convertedModel(ln, "pre-crms");
 * const batch = syntheticBatch(ln, { batch: 2 });
 * const [a, b] = [ln.classify(batch as never), buildInference(crms, { treatment: "fold" }).run(batch)];
 * console.assert(Math.abs(a.dataSync()[0] - b.dataSync()[0]) < 1e-3);
 * ```
 */
export function convertedModel(
  model: AnyModel,
  conversion: VariantConversion,
  norms?: ReadonlyMap<string, Norm>,
): AnyModel {
  const source = norms ? withLayerNorms(model, norms) : model;
  try {
    return conversion === "pre-rms" ? convertPreLnToPreRms(source) : convertPreLnToPreCrms(source);
  } finally {
    if (source !== model) source.dispose();
  }
}
