// Bundles TypeScript entry points for Node with esbuild (packages stay external, inline source maps, .mjs out),
// as the Node tests and the fuzz properties need them: bundleForNode(entryPoints, { outdir, outbase? }).
// Packages stay external (Node loads them from node_modules), except JSON data, which Node's ESM loader only takes
// with an import attribute: that is bundled.
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
    plugins: [
      {
        name: 'external-packages-but-json',
        setup(build) {
          build.onResolve({ filter: /^[^./]/ }, (args) => (args.path.endsWith('.json') ? undefined : { path: args.path, external: true }));
        },
      },
    ],
    sourcemap: 'inline',
    logLevel: 'warning',
    outExtension: { '.js': '.mjs' },
  });
}
