// What the calls e2e test and bench/calls.mjs read of a page's call from outside: every RTCPeerConnection the page
// makes is kept (installed before the app loads), and the call's is the newest open one with an audio transceiver
// (the data link has none). What the far side hears is measured on the received track (a WebAudio analyser).

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

/** Peak sample above this in the last window: sound; below silentPeak over the whole window: silence. */
const soundPeak = 0.02;
const silentPeak = 0.005;
/** Chromium's fake microphone beeps with pauses (about one beep a second): windows span more than one. */
const windowMs = 1500;

/** Starts a WebAudio analyser on the received audio track: peaks every 50 ms in window.tincanPeaks. */
export async function listen(page) {
  await page.waitForFunction(callConnection, { polling: 100, timeout: 20_000 });
  await page.evaluate((findSource) => {
    const pc = eval(`(${findSource})`)();
    const track = pc.getReceivers().find((r) => r.track.kind === 'audio').track;
    const context = new AudioContext();
    void context.resume();
    const analyser = context.createAnalyser();
    analyser.fftSize = 2048;
    context.createMediaStreamSource(new MediaStream([track])).connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    window.tincanPeaks = [];
    clearInterval(window.tincanListening);
    window.tincanListening = setInterval(() => {
      analyser.getFloatTimeDomainData(samples);
      let peak = 0;
      for (const value of samples) peak = Math.max(peak, Math.abs(value));
      window.tincanPeaks.push([performance.now(), peak]);
    }, 50);
  }, callConnection.toString());
}

/** Waits until the loudest peak of the last window is above (sound) or below (silence) its threshold. */
export async function waitForAudio(page, wanted) {
  await page.waitForFunction(
    (wantSound, loud, quiet, spanMs) => {
      const now = performance.now();
      const peaks = window.tincanPeaks.filter(([at]) => at >= now - spanMs);
      if (peaks.length < spanMs / 100) return false;
      const loudest = Math.max(...peaks.map(([, peak]) => peak));
      return wantSound ? loudest > loud : loudest < quiet && window.tincanPeaks[0][0] < now - spanMs;
    },
    { polling: 100, timeout: 20_000 },
    wanted === 'sound', soundPeak, silentPeak, windowMs,
  );
}
