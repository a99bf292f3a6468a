#!/usr/bin/env node
// `tincan`: a Tincan peer in Node.js (src/node/cli.ts; `tincan help`). From a checkout it builds its bundle first
// when the sources are newer (scripts/build-node.mjs), so `node bin/tincan.mjs` always runs the current code.
import { ensureNodeBuild } from '../scripts/build-node.mjs';

const { cli } = await ensureNodeBuild();
const { main } = await import(cli);
process.exit(await main(process.argv.slice(2)));
