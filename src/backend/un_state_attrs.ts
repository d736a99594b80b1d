/**
 * The attributes of UN's state kernels (`src/backend/un_state.ts`), shared with their WGSL
 * programs (`src/backend/un_state_webgpu.ts`).
 *
 * @module
 */

/** Attributes of the forward state step (the layer's options). */
export interface UNForwardAttrs {
  /** Forward window W. */
  window: number;
  /** Warm-up steps T_w. */
  warmup: number;
  /** Momentum m of the running statistics. */
  momentum: number;
  /** ε of the denominator. */
  eps: number;
  /** The step after which gradient compensation starts (max of its start and T_w). */
  start: number;
  /** Outlier filtration on. */
  outlierFiltration: boolean;
}

/** Attributes of the backward state step. */
export interface UNBackwardAttrs {
  /** Backward window Wb. */
  windowBackward: number;
  /** Forward window W (the slot and the exact flag are shared when Wb = W). */
  window: number;
  /** Warm-up steps T_w. */
  warmup: number;
  /** Momentum m of Ψ. */
  momentum: number;
  /** Tokens the gradient statistic averages over. */
  tokens: number;
}
