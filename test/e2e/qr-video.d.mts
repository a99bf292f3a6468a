// Types of qr-video.mjs, for the Node tests that read its frames.
export const frameWidthPx: number;
export const frameHeightPx: number;
export function qrVideo(text: string): Buffer;
export function writeQrVideo(file: string, text: string): void;
