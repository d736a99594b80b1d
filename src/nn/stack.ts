/**
 * A stack of Transformer blocks with the model's placement and, where the last block is not
 * Post-norm, a final norm.
 *
 * @module
 */
import * as tf from "../tf.ts";
import type { Norm } from "../norms/types.ts";
import {
  type BlockInputs,
  type BlockOptions,
  blockPlacement,
  lnScalingFactor,
  type ModelPlacement,
  TransformerBlock,
} from "./block.ts";
import type { KeyValueCache } from "./attention.ts";
import { type ForwardContext, runNorm } from "./context.ts";
import type { Scope } from "./scope.ts";
import { UsageError } from "../util/errors.ts";

/** Options of {@linkcode TransformerStack}: a block's options with the model's placement. */
export interface StackOptions extends Omit<BlockOptions, "placement" | "normScale"> {
  /** Number of blocks L. */
  layers: number;
  /** The model's placement (`mix`: the first ⌊αL⌋ blocks post, the rest pre). */
  placement: ModelPlacement;
  /** Mix-LN's α, the fraction of post-norm blocks under `mix` (default 0.25). */
  mixFraction?: number;
  /** LayerNorm Scaling: every norm output of block ℓ (1-based) times 1/√ℓ (default false). */
  lnScaling?: boolean;
}

/**
 * `layers/<i>` blocks and `final_norm` (present unless the last block is Post-norm: Pre, Peri
 * and Mix stacks end with a norm, as in the papers).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { resolveNorm, Scope, TransformerStack } from "@normbench/normbench";
 * const stack = new TransformerStack(new Scope({ seed: 0 }), {
 *   layers: 2, dim: 8, heads: 2, ffnDim: 16, activation: "gelu", norm: resolveNorm("ln"),
 *   placement: "mix",
 * });
 * console.assert(stack.finalNorm !== null && stack.blocks[0].placement === "pre");
 * ```
 */
export class TransformerStack {
  /** The blocks, bottom first. */
  readonly blocks: TransformerBlock[];
  /** The norm after the last block, or null (Post-norm). */
  readonly finalNorm: Norm | null;

  /** Creates `layers/<i>` and, unless the last block is Post-norm, `final_norm` under `scope`. */
  constructor(scope: Scope, options: StackOptions) {
    const { layers, placement, mixFraction, lnScaling, ...block } = options;
    this.blocks = [];
    for (let i = 0; i < layers; i++) {
      this.blocks.push(
        new TransformerBlock(scope.child("layers").child(i), {
          ...block,
          placement: blockPlacement(placement, i, layers, mixFraction),
          normScale: lnScalingFactor(lnScaling ?? false, i),
        }),
      );
    }
    const last = this.blocks[layers - 1]?.placement ?? "pre";
    const width = options.residualDim ?? options.dim;
    this.finalNorm = last === "post" ? null : scope.norm("final_norm", options.norm, width);
  }

  /**
   * Runs every block, then the final norm. Blocks in `ctx.skipLayers` pass their input through;
   * `ctx.record` receives the residual stream before each block and after the last.
   */
  apply(x: tf.Tensor, inputs: BlockInputs, ctx: ForwardContext): tf.Tensor {
    if (ctx.skipLayers) checkSkipLayers(ctx.skipLayers, this.blocks.length);
    return tf.tidy(() => {
      let h = x;
      const record = ctx.record;
      record?.residual(0, h);
      this.blocks.forEach((block, i) => {
        if (!ctx.skipLayers?.has(i)) {
          h = block.apply(h, inputs, record ? { ...ctx, layer: i } : ctx);
        }
        record?.residual(i + 1, h);
      });
      return this.finalNorm ? runNorm(this.finalNorm, h, ctx, inputs.normMask) : h;
    });
  }

  /** Incremental decoding of one position through every block (inference). */
  step(
    x: tf.Tensor,
    state: {
      caches: (KeyValueCache | null)[];
      memoryKv?: KeyValueCache[];
      memoryBias?: tf.Tensor | null;
    },
  ): { y: tf.Tensor; caches: KeyValueCache[] } {
    return tf.tidy(() => {
      let h = x;
      const caches: KeyValueCache[] = [];
      this.blocks.forEach((block, i) => {
        const r = block.step(h, {
          cache: state.caches[i],
          memoryKv: state.memoryKv?.[i],
          memoryBias: state.memoryBias,
        });
        h = r.y;
        caches.push(r.cache);
      });
      const y = this.finalNorm ? this.finalNorm.apply(h, { training: false }) : h;
      return { y, caches };
    });
  }

  /** Every norm, bottom first, the final norm last. */
  norms(): Norm[] {
    const all = this.blocks.flatMap((b) => b.norms());
    return this.finalNorm ? [...all, this.finalNorm] : all;
  }

  /** Multiply-accumulates of one forward. */
  macs(batch: number, n: number, m = 0): number {
    return this.blocks.reduce((s, b) => s + b.macs(batch, n, m), 0);
  }
}

/** Throws a {@linkcode UsageError} unless every skipped index names one of `layers` blocks. */
function checkSkipLayers(skip: ReadonlySet<number>, layers: number): void {
  for (const i of skip) {
    if (!Number.isInteger(i) || i < 0 || i >= layers) {
      throw new UsageError(
        `cannot skip block ${i}: the stack has ${layers} blocks`,
        `pass block indices from 0 to ${layers - 1} in skipLayers`,
      );
    }
  }
}
