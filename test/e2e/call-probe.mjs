// What the calls e2e test and bench/calls.mjs read of a page's call from outside: every RTCPeerConnection the page
// makes is kept (installed before the app loads), and the call's is the newest open one with an audio transceiver
// (the data link has none).

/** Before the app loads: every RTCPeerConnection the page makes is kept in window.tincanConnections. */
export async function keepConnections(page) {
  await page.evaluateOnNewDocument(() => {
    const Native = window.RTCPeerConnection;
    window.tincanConnections = [];
    window.RTCPeerConnection = class extends Native {
      constructor(...args) {
        super(...args);
        window.tincanConnections.push(this);
      }
    };
  });
}

/** In the page (pass `callConnection.toString()` and eval it there): the call's connection, or undefined. */
export const callConnection = () => [...window.tincanConnections].reverse().find((pc) => pc.connectionState !== 'closed' && pc.getTransceivers().some((t) => t.receiver.track.kind === 'audio'));
