// The web-platform globals the core (invite/, crypto/, store/, chat/) may use: exactly those that browsers and
// Node.js 20 both provide. tsconfig.core.json type-checks the core with lib ES2022 and this file only, so any
// other DOM or Node API used there fails the type check instead of failing at run time in the other host.

declare class TextEncoder {
  encode(input?: string): Uint8Array<ArrayBuffer>;
}

declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean });
  decode(input?: ArrayBufferView | ArrayBuffer, options?: { stream?: boolean }): string;
}

type TimerHandle = { readonly __timerHandle?: never } | number;
declare function setTimeout(callback: () => void, ms?: number): TimerHandle;
declare function clearTimeout(handle: TimerHandle | undefined): void;
declare function setInterval(callback: () => void, ms?: number): TimerHandle;
declare function clearInterval(handle: TimerHandle | undefined): void;
declare function queueMicrotask(callback: () => void): void;

declare const crypto: {
  getRandomValues<T extends Uint8Array | Uint16Array | Uint32Array>(array: T): T;
};

declare const performance: { now(): number };

declare const console: {
  log(...data: unknown[]): void;
  warn(...data: unknown[]): void;
  error(...data: unknown[]): void;
};

declare function btoa(data: string): string;
declare function atob(data: string): string;
