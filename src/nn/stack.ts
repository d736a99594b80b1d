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
    this.finalNorm = last === "post" ? null : scope.norm("final_norm", options.norm, options.dim);
  }

  /** Runs every block, then the final norm. */
  apply(x: tf.Tensor, inputs: BlockInputs, ctx: ForwardContext): tf.Tensor {
    return tf.tidy(() => {
      let h = x;
      for (const block of this.blocks) h = block.apply(h, inputs, ctx);
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
