import assert from "node:assert/strict";
import * as tf from "../src/tf.ts";
import * as tfl from "@tensorflow/tfjs-layers";
import { initBackend } from "../src/backend/backend.ts";
import { NormLayer } from "../src/norms/layer.ts";
import { NORM_NAMES } from "../src/norms/registry.ts";
import { relErr, values } from "./helpers.ts";

await initBackend("wasm");

const OPTIONS: Record<string, Record<string, number | boolean>> = {
  un: { window: 2, warmup: 3, compensationStart: 4 },
  pn: { warmup: 3, groups: 2 },
  repbn: { decaySteps: 5 },
};

async function toMemory(model: tfl.LayersModel): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler((artifacts) => {
    saved = artifacts;
    return Promise.resolve({
      modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" },
    });
  }));
  return saved!;
}

for (const name of NORM_NAMES) {
  Deno.test(`tf.layers: NormLayer('${name}') trains in fit() and round-trips through save/load`, async () => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.dense({
          units: 8,
          inputShape: [6],
          kernelInitializer: tfl.initializers.glorotNormal({ seed: 1 }),
        }),
        new NormLayer({ norm: name, options: OPTIONS[name] }),
        tfl.layers.dense({
          units: 2,
          kernelInitializer: tfl.initializers.glorotNormal({ seed: 2 }),
        }),
      ],
    });
    model.compile({ optimizer: tf.train.adam(1e-2), loss: "meanSquaredError" });
    const x = tf.randomNormal([48, 6], 0, 1, "float32", 3);
    const y = tf.randomNormal([48, 2], 0, 1, "float32", 4);
    const history = await model.fit(x, y, { epochs: 4, batchSize: 12, shuffle: false, verbose: 0 });
    const losses = history.history.loss as number[];
    assert.ok(losses.every(Number.isFinite), `${name}: ${losses}`);
    assert.ok(losses[3] < losses[0], `${name} did not learn: ${losses}`);
    const layer = model.layers[1] as NormLayer;
    const state = layer.norm!.variables();
    if (state.iters) assert.deepEqual(await values(state.iters), [16], "16 training calls");
    // save → load: same config, same weights (state included), same predictions
    const artifacts = await toMemory(model);
    const loaded = await tfl.loadLayersModel(tf.io.fromMemory(artifacts));
    const reloaded = loaded.layers[1] as NormLayer;
    assert.equal(reloaded.getClassName(), "NormbenchNorm");
    assert.equal(reloaded.normName, name);
    const names = layer.getWeights().length;
    assert.equal(reloaded.getWeights().length, names);
    for (const [k, v] of Object.entries(reloaded.norm!.variables())) {
      assert.deepEqual(await values(v), await values(state[k]), `${name}.${k}`);
    }
    const err = await relErr(loaded.predict(x) as tf.Tensor, model.predict(x) as tf.Tensor);
    assert.equal(err, 0, name);
  });
}

Deno.test("tf.layers: an unknown norm name is refused when the layer is made", () => {
  assert.throws(() => new NormLayer({ norm: "xnorm" }), /unknown norm 'xnorm'/);
});
