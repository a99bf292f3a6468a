// The end of a Node test file that used node-datachannel: the native listeners the direct listener keeps for the
// process (src/net/direct-listener.ts, never stopped while in use: a libdatachannel bug) are stopped once nothing
// dials them any more, then node-datachannel's cleanup() runs (it could otherwise wait for them until its own
// 10 s timeout and fail the file's `after` hook: seen in 1 of 2 runs of test/node/mailbox).
import nodeDataChannel from 'node-datachannel';
import { releaseNativeListeners } from '../../src/net/direct-listener';

export function endNative(): void {
  releaseNativeListeners();
  nodeDataChannel.cleanup();
}
