// Runs one fast-check property for a number of cases and reports what happened. Every export of a
// test/node/fuzz/*.property.ts file is a property function `(numRuns: number) => FuzzReport | Promise<FuzzReport>`
// built on runProperty / runAsyncProperty: its *.test.ts runs it for a few thousand cases in `npm test`
// (assertPassed), and scripts/fuzz.mjs runs it for 100k and prints the reports.
//
// fast-check stops at the first failing case and shrinks it, so `failures` is 0 or 1 and `message` holds the
// shrunk counterexample with the seed and path that replay it. FUZZ_SEED=<n> in the environment fixes the seed.
import fc from 'fast-check';

export interface FuzzReport {
  readonly name: string;
  /** Cases run (including the failing one). */
  readonly runs: number;
  /** Cases dropped by a precondition (fc.pre). */
  readonly skipped: number;
  /** 0, or 1 when a case failed (fast-check stops there). */
  readonly failures: number;
  /** Wall time of the run: reported, never asserted on. */
  readonly timeMs: number;
  readonly seed: number;
  /** fast-check's report on failure: counterexample, error, seed and path. */
  readonly message?: string;
}

function parameters(numRuns: number): fc.Parameters<unknown> {
  const seed = process.env.FUZZ_SEED;
  return seed === undefined ? { numRuns } : { numRuns, seed: Number(seed) };
}

function report(name: string, details: fc.RunDetails<unknown>, timeMs: number): FuzzReport {
  const message = details.failed ? fc.defaultReportMessage(details) : undefined;
  return {
    name,
    runs: details.numRuns,
    skipped: details.numSkips,
    failures: details.failed ? 1 : 0,
    timeMs,
    seed: details.seed,
    ...(message === undefined ? {} : { message }),
  };
}

export function runProperty<Ts>(name: string, property: fc.IProperty<Ts>, numRuns: number): FuzzReport {
  const started = performance.now();
  const details = fc.check(property, parameters(numRuns) as fc.Parameters<Ts>);
  return report(name, details as fc.RunDetails<unknown>, performance.now() - started);
}

export async function runAsyncProperty<Ts>(name: string, property: fc.IAsyncProperty<Ts>, numRuns: number): Promise<FuzzReport> {
  const started = performance.now();
  const details = await fc.check(property, parameters(numRuns) as fc.Parameters<Ts>);
  return report(name, details as fc.RunDetails<unknown>, performance.now() - started);
}

/** For node:test: throws fast-check's report unless every case passed. */
export function assertPassed(result: FuzzReport): void {
  if (result.failures > 0) throw new Error(`${result.name}\n${result.message ?? ''}`);
}
