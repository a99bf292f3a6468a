// The backup decoder's properties (src/store/backup.ts), written with the store's tests, run by npm run fuzz.
export { checkArbitraryBytes, checkMutatedFiles, checkRoundTrip } from '../store/backup-properties';
