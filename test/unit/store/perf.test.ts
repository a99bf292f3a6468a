// Logs timings (never asserts them: shared CI machines vary). Figures are quoted in the module headers.
import { expect } from '@esm-bundle/chai';
import { formatFigures, measureCrypto, measureKdf, measureSingleAppends, measureStore, measureThroughput } from './perf-measure';

describe('timings (logged, not asserted)', () => {
  it('Argon2id limits, safety numbers and record sealing', async () => {
    const figures = [...(await measureKdf(3)), ...(await measureCrypto())];
    console.log(`\n${formatFigures(figures)}`);
    expect(figures.every((f) => f.value > 0)).to.equal(true);
  });

  it('appends one at a time and in batches', async () => {
    const figures = [...(await measureSingleAppends(200)), ...(await measureThroughput([1, 50, 300], 600))];
    console.log(`\n${formatFigures(figures)}`);
    expect(figures.every((f) => f.value > 0)).to.equal(true);
  });

  it('a 10,000-message conversation', async () => {
    const figures = await measureStore(10_000);
    console.log(`\n${formatFigures(figures)}`);
    expect(figures.every((f) => f.value >= 0)).to.equal(true);
  });
});
