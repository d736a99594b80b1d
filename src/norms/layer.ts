/**
 * Every norm of the zoo as a Keras-style `tf.layers` layer that saves and loads with its state.
 *
 * @module
 */
import * as tf from "../tf.ts";
import * as tfl from "@tensorflow/tfjs-layers";
import { type NormFactory, type NormName, parseNormName, resolveNorm } from "./registry.ts";
import type { Norm, VariableFactory } from "./types.ts";

/** Configuration of {@linkcode NormLayer}: the norm's name, its options and layer arguments. */
export interface NormLayerArgs {
  /** Registry name: `ln rms bn pn un dyt repbn none`. */
  norm: string;
  /** The norm's own options (see `normEntry(name).options`). */
  options?: Record<string, number | boolean>;
  /** Layer name. */
  name?: string;
  /** Input shape without the batch axis, for a first layer. */
  inputShape?: number[];
  /** Other `tf.layers` layer arguments (`trainable`, `batchInputShape`, …), kept on reload. */
  [layerArg: string]: unknown;
}

/**
 * A `tf.layers` layer wrapping any norm of the zoo, registered with `tf.serialization` as
 * `NormbenchNorm`. Its variables — trainable and state (running statistics, counters, windows) —
 * are layer weights, so `model.save()` / `tf.loadLayersModel()` carry them. In `model.fit()` the
 * layer runs in training mode (batch statistics, UN/PN custom backward); in `predict()` in
 * inference mode. A Keras mask (true = keep) becomes the norm's pad mask.
 *
 * @example
 * ```ts
 * import * as tfl from "@tensorflow/tfjs-layers";
 * import { NormLayer } from "@normbench/normbench";
 * const model = tfl.sequential({
 *   layers: [
 *     tfl.layers.dense({ units: 16, inputShape: [8] }),
 *     new NormLayer({ norm: "un", options: { warmup: 10 } }),
 *     tfl.layers.dense({ units: 2 }),
 *   ],
 * });
 * console.assert(model.layers[1].getClassName() === "NormbenchNorm");
 * ```
 */
export class NormLayer extends tfl.layers.Layer {
  /** The serialization name. */
  static className = "NormbenchNorm";
  /** The norm's registry name. */
  readonly normName: NormName;
  /** The norm's options as given. */
  readonly normOptions: Record<string, number | boolean>;
  readonly #factory: NormFactory;
  #norm?: Norm;

  /** A layer wrapping the norm `args.norm` (built when the input shape is known). */
  constructor(args: NormLayerArgs) {
    const { norm, options, ...layerArgs } = args;
    super(layerArgs);
    this.normOptions = { ...(options ?? {}) };
    this.#factory = resolveNorm(parseNormName(norm), this.normOptions);
    this.normName = this.#factory.name;
    this.supportsMasking = true;
  }

  /** The wrapped norm (after the layer is built). */
  get norm(): Norm | undefined {
    return this.#norm;
  }

  /** Creates the wrapped norm for the input's last axis. */
  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const channels = shape[shape.length - 1];
    if (typeof channels !== "number") throw new Error("NormLayer needs a known channel count");
    const factory: VariableFactory = (localName, initial, trainable) => {
      const weight = this.addWeight(
        localName,
        initial.shape,
        "float32",
        tfl.initializers.zeros(),
        undefined,
        trainable,
      );
      weight.write(initial);
      return weight.read() as tf.Variable;
    };
    this.#norm = this.#factory.create(channels, { variableFactory: factory });
    this.built = true;
  }

  /** Applies the norm (`kwargs.training`, `kwargs.mask` as in Keras). */
  // deno-lint-ignore no-explicit-any
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, any>): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const keep = kwargs.mask as tf.Tensor | undefined;
    return tf.tidy(() => {
      const mask = keep ? tf.logicalNot(tf.cast(keep, "bool")) : undefined;
      return this.#norm!.apply(x, { training: Boolean(kwargs.training), mask });
    });
  }

  /** The input shape: a norm keeps it. */
  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    return inputShape;
  }

  /** The norm name and options, for `tf.serialization`. */
  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), norm: this.normName, options: this.normOptions };
  }
}

tf.serialization.registerClass(NormLayer);
