/**
 * The model zoo: BERT-like encoder, encoder–decoder translator, ViT and decoder-only LM, each
 * with any norm of the registry at any placement, in `tiny`, `small` and paper-shaped presets.
 *
 * @example
 * ```ts
 * import { createModel } from "@normbench/normbench";
 * const model = createModel({ model: "encoder", preset: "tiny", norm: "un", placement: "pre" });
 * console.log(model.parameterCount(), Object.keys(model.variables()).length);
 * ```
 *
 * @module
 */
export * from "./types.ts";
export type { StackConfig } from "./config.ts";
export { BaseModel } from "./base.ts";
export * from "./presets.ts";
export { Encoder, type EncoderConfig, maskedPositions } from "./encoder.ts";
export { Translator, type TranslatorConfig } from "./translator.ts";
export { VisionTransformer, type VitConfig } from "./vit.ts";
export { LanguageModel, type LmConfig } from "./lm.ts";
export { beamSearch, type BeamSearchOptions, greedySearch, type SearchModel } from "./search.ts";
export { syntheticBatch, type SyntheticBatchOptions } from "./synthetic.ts";
export { convertPreLnToPreCrms, convertPreLnToPreRms } from "./convert_pre_rms.ts";
