/**
 * Where results live: the CPU machine's under the results root (`<root>/<profile>/`), and those
 * measured on a hardware WebGPU adapter beside them, one folder per adapter
 * (`<root>/webgpu/<adapter-slug>/<profile>/`), so that a GPU host's run never overwrites or mixes
 * with the CPU results, and the overview can list each adapter's claims.
 *
 * @module
 */
import { join } from "node:path";

/** The folder under a results root that holds one subfolder per hardware WebGPU adapter. */
export const WEBGPU_FOLDER = "webgpu";

/**
 * A file-name-safe slug of an adapter's description: lower case, runs of other characters as one
 * `-`, at most 60 characters.
 *
 * @example
 * ```ts
 * import { adapterSlug } from "@normbench/normbench";
 * console.assert(adapterSlug("NVIDIA H100 80GB HBM3") === "nvidia-h100-80gb-hbm3");
 * ```
 */
export function adapterSlug(description: string): string {
  const slug = description.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "")
    .slice(0, 60).replace(/-+$/, "");
  return slug || "unknown-adapter";
}

/** What {@linkcode resultsRoot} needs to know about the machine and the run. */
export interface RootOptions {
  /** The WebGPU adapter found on this machine, or null. */
  adapter: { description: string; fallback: boolean } | null;
  /** Whether any run of the invocation times or trains on WebGPU. */
  usesWebGpu: boolean;
}

/**
 * The results root an invocation writes under: `root` itself, or — when its runs use a hardware
 * WebGPU adapter — `<root>/webgpu/<adapter-slug>`. A software adapter (llvmpipe) measures no
 * speed claim and its results stay under `root` like the CPU backends'.
 *
 * @example
 * ```ts
 * import { resultsRoot } from "@normbench/normbench";
 * const gpu = { description: "NVIDIA H100", fallback: false };
 * console.assert(resultsRoot("results", { adapter: gpu, usesWebGpu: true }) === "results/webgpu/nvidia-h100");
 * console.assert(resultsRoot("results", { adapter: gpu, usesWebGpu: false }) === "results");
 * console.assert(resultsRoot("results", { adapter: { ...gpu, fallback: true }, usesWebGpu: true }) === "results");
 * ```
 */
export function resultsRoot(root: string, options: RootOptions): string {
  const { adapter, usesWebGpu } = options;
  if (!usesWebGpu || !adapter || adapter.fallback) return root;
  return join(root, WEBGPU_FOLDER, adapterSlug(adapter.description));
}

/**
 * The adapters' results roots under `root` (`<root>/webgpu/<slug>` folders), sorted.
 *
 * @example
 * ```ts
 * import { adapterRoots } from "@normbench/normbench";
 * const root = await Deno.makeTempDir();
 * await Deno.mkdir(`${root}/webgpu/nvidia-h100/quick`, { recursive: true });
 * console.assert((await adapterRoots(root))[0].slug === "nvidia-h100");
 * ```
 */
export async function adapterRoots(root: string): Promise<{ slug: string; dir: string }[]> {
  const base = join(root, WEBGPU_FOLDER);
  const out: { slug: string; dir: string }[] = [];
  try {
    for await (const e of Deno.readDir(base)) {
      if (e.isDirectory && adapterSlug(e.name) === e.name) {
        out.push({ slug: e.name, dir: join(base, e.name) });
      }
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return out.sort((a, b) => a.slug.localeCompare(b.slug));
}
