/**
 * tfjs's gradient registry, loaded once per process before any backend is chosen.
 *
 * tfjs-core's Node entry (dist/tf-core.node.js) registers kernels' forward functions but no
 * gradients, and its ESM gradient files cannot be loaded by Node (extensionless imports). The
 * CommonJS bundle of the union package `@tensorflow/tfjs` registers every gradient into the
 * registry of the tfjs-core instance it requires, which is the engine's own (same package, same
 * version, one node_modules copy), so autodiff (tf.grad, tf.variableGrads, optimizers) works in the
 * engine worker, the CLI, the browser host and Electron's main side alike. The node backends
 * (tfjs-node, tfjs-node-gpu) require the same bundle, so loading it first changes nothing for them.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createRequire } from 'node:module';

let loaded = false;

/** Registers every tfjs gradient (about 0.1 s, once). */
export function registerGradients(): void {
  if (loaded) return;
  const union = createRequire(import.meta.url)('@tensorflow/tfjs') as { version?: Record<string, string> };
  const core = union.version?.['tfjs-core'];
  if (core !== tf.version_core) {
    throw new Error(`@tensorflow/tfjs bundles tfjs-core ${core ?? '(unknown)'} but the engine runs tfjs-core ${tf.version_core}; reinstall with npm ci`);
  }
  if (!tf.getGradient('Conv2D')) throw new Error('@tensorflow/tfjs loaded but registered no gradients into the engine\'s tfjs-core (two tfjs-core copies?)');
  loaded = true;
}
