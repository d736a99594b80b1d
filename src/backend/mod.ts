/**
 * Backends: pick and start WebGPU, wasm or cpu, and describe them for provenance.
 *
 * @example
 * ```ts
 * import { initBackend } from "@normbench/normbench";
 * const info = await initBackend("auto");
 * console.log(info.name, info.adapter);
 * ```
 *
 * @module
 */
export * from "./backend.ts";
export { registerMissingKernels } from "./kernels.ts";
export {
  LAYER_NORM_TRAIN_BACKWARD,
  LAYER_NORM_TRAIN_FORWARD,
  layerNormTrainBackward,
  layerNormTrainForward,
  layerNormTrainKernelsActive,
  registerLayerNormTrainKernels,
  setLayerNormTrainKernels,
} from "./layer_norm_train.ts";
export {
  ADAM_STEP,
  adamKernelsActive,
  adamStep,
  type AdamStepAttrs,
  PACK,
  packTensors,
  registerAdamKernels,
  setAdamKernels,
  UNPACK,
  unpackTensor,
} from "./adam_kernels.ts";
export type { AdamProgramSettings } from "./adam_webgpu.ts";
export {
  ATTENTION_PROBS,
  ATTENTION_SCORE_GRAD,
  attentionKernelsFit,
  attentionProbs,
  attentionScoreGrad,
  registerAttentionKernels,
  setAttentionKernels,
} from "./attention_kernels.ts";
export { FUSED_LAYER_NORM, fusedLayerNorm, registerFusedLayerNorm } from "./fused_layer_norm.ts";
export {
  registerUNStateKernels,
  setUNStateKernels,
  UN_BACKWARD_STATE,
  UN_FORWARD_STATE,
  type UNBackwardAttrs,
  type UNBackwardState,
  unBackwardState,
  type UNForwardAttrs,
  type UNForwardState,
  unForwardState,
  unStateKernelsActive,
} from "./un_state.ts";
