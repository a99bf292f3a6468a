// The backup decoder under fast-check (a few thousand cases here; FUZZ_RUNS raises it for a fuzz run).
import { describe, it } from 'node:test';
import { checkArbitraryBytes, checkMutatedFiles, checkRoundTrip } from './backup-properties';

const runs = Number(process.env.FUZZ_RUNS ?? 2000);

describe('backup decoder (property-based)', () => {
  it('round-trips encodeBackup', () => checkRoundTrip(runs));
  it('throws only BACKUP_INVALID on arbitrary bytes', () => checkArbitraryBytes(runs));
  it('throws only BACKUP_INVALID on mutated files with a valid checksum', () => checkMutatedFiles(runs));
});
