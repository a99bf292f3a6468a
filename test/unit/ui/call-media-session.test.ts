// The call in the system's media controls (platform/call-media-session.ts), in real Chromium: its metadata names the
// call while it goes on and is gone after it; Chromium takes the call actions ("hangup", "togglemicrophone"). The
// controls' buttons cannot be pressed from a page, so the handlers are not run here.
import { expect } from '@esm-bundle/chai';
import { CallMediaSession } from '../../../src/platform/call-media-session';
import { callText } from '../../../src/ui/messages';

describe('CallMediaSession', () => {
  it('names the call in the media controls while it goes on, and takes it away after', () => {
    const session = new CallMediaSession({ title: callText.sessionTitle, app: callText.sessionApp }, { hangUp() {}, setMuted() {} });
    session.show({ id: 'c1', name: 'Bob', muted: false });
    expect(navigator.mediaSession.metadata?.title).to.equal('Call with Bob');
    expect(navigator.mediaSession.metadata?.artist).to.equal('Tincan');
    expect(navigator.mediaSession.playbackState).to.equal('playing');
    expect(session.actions).to.deep.equal(['hangup', 'togglemicrophone']);
    session.show({ id: 'c1', name: 'Bob', muted: true });
    expect(navigator.mediaSession.metadata?.title).to.equal('Call with Bob');
    session.show(undefined);
    expect(navigator.mediaSession.metadata).to.equal(null);
    expect(navigator.mediaSession.playbackState).to.equal('none');
    expect(session.actions).to.deep.equal([]);
  });
});
