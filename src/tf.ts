/**
 * The tfjs-core namespace with every gradient registered. Import tfjs from here so that
 * autodiff works: tfjs-core's Node build registers no gradients by itself, while the Node build
 * of tfjs-layers registers all of them when it loads (as the `@tensorflow/tfjs` union does).
 *
 * @module
 */
import "@tensorflow/tfjs-layers";
export * from "@tensorflow/tfjs-core";
