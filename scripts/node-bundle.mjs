// Bundles TypeScript entry points for Node with esbuild (packages stay external, inline source maps, .mjs out),
// as the Node tests and the fuzz properties need them: bundleForNode(entryPoints, { outdir, outbase? }).
import * as esbuild from 'esbuild';

export async function bundleForNode(entryPoints, { outdir, outbase }) {
  await esbuild.build({
    entryPoints,
    outdir,
    ...(outbase === undefined ? {} : { outbase }),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'inline',
    logLevel: 'warning',
    outExtension: { '.js': '.mjs' },
  });
}
