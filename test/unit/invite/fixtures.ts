// Real SDPs captured from Chromium 156 and Firefox 153 by scripts/capture-sdp.mjs (see its header for the
// network each was made in). wtr serves the repository root, so the test page fetches them.
import { expect } from '@esm-bundle/chai';
import { isTincanError, type ErrorCode } from '../../../src/errors';

export const offerFixtures = [
  'chromium-offer-mdns', 'firefox-offer-mdns', 'chromium-offer-ipv4', 'firefox-offer-ipv4',
  'chromium-offer-ipv6', 'firefox-offer-ipv6', 'chromium-offer-mdns-dual', 'firefox-offer-mdns-dual',
  'chromium-offer-srflx', 'firefox-offer-srflx', 'chromium-offer-srflx-ipv4', 'firefox-offer-srflx-ipv4',
  'chromium-offer-relay', 'firefox-offer-relay',
] as const;

export const answerFixtures = [
  'chromium-answer-mdns', 'firefox-answer-mdns', 'chromium-answer-ipv4', 'firefox-answer-ipv4',
] as const;

export type FixtureName = (typeof offerFixtures)[number] | (typeof answerFixtures)[number];

export async function loadSdp(name: FixtureName): Promise<string> {
  const response = await fetch(`/test/fixtures/sdp/${name}.sdp`);
  if (!response.ok) throw new Error(`fixture ${name}: HTTP ${response.status}`);
  return response.text();
}

/** Asserts that `action` throws a TincanError with this code (and nothing else); `label` names the case. */
export function expectTincanError(action: () => unknown, code: ErrorCode, label = ''): void {
  let thrown: unknown;
  try {
    action();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, `${label} expected TincanError ${code}`).to.be.instanceOf(Error);
  expect(isTincanError(thrown), `${label} not a TincanError: ${String(thrown)}`).to.equal(true);
  expect((thrown as { code: string }).code, label).to.equal(code);
}
