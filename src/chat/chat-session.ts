// The chat protocol on one open connection: messages, delivery acks, typing, ping/pong.
// Transport-agnostic: bytes in through `receive`, bytes out through the `send` function it is given (the app
// passes one that seals frames). Acks are sent by the app once a message is stored, so "delivered" means the
// peer has it on disk. Frames that fail to decode are dropped and counted here, never shown.
import { decodeFrame, encodeFrame, type DropReason, type Frame } from './frames';

export interface IncomingMessage {
  id: string;
  text: string;
  sentAt: number;
}

export interface ChatSessionEvents {
  message: CustomEvent<IncomingMessage>;
  ack: CustomEvent<string[]>;
  typing: CustomEvent<boolean>;
  rtt: CustomEvent<number>;
  bye: CustomEvent<void>;
  signal: CustomEvent<{ kind: 'offer' | 'answer'; sdp: string }>;
}

export class ChatSession extends EventTarget {
  readonly dropped: Record<DropReason, number> = { 'too-large': 0, 'newer-version': 0, 'unknown-type': 0, malformed: 0 };

  constructor(
    private readonly send: (bytes: Uint8Array) => void,
    private readonly now: () => number = Date.now,
  ) {
    super();
  }

  get droppedCount(): number {
    return Object.values(this.dropped).reduce((a, b) => a + b, 0);
  }

  sendMessage(message: IncomingMessage): void {
    this.sendFrame({ type: 'message', ...message });
  }

  ack(ids: string[]): void {
    if (ids.length) this.sendFrame({ type: 'ack', ids });
  }

  sendTyping(active: boolean): void {
    this.sendFrame({ type: 'typing', active });
  }

  ping(): void {
    this.sendFrame({ type: 'ping', sentAt: this.now() });
  }

  bye(): void {
    this.sendFrame({ type: 'bye' });
  }

  signal(kind: 'offer' | 'answer', sdp: string): void {
    this.sendFrame({ type: 'signal', kind, sdp });
  }

  receive(bytes: Uint8Array): void {
    const decoded = decodeFrame(bytes);
    if (!decoded.ok) {
      this.dropped[decoded.reason]++;
      return;
    }
    const frame = decoded.frame;
    switch (frame.type) {
      case 'message':
        this.emit('message', { id: frame.id, text: frame.text, sentAt: frame.sentAt });
        break;
      case 'ack':
        this.emit('ack', frame.ids);
        break;
      case 'typing':
        this.emit('typing', frame.active);
        break;
      case 'ping':
        this.sendFrame({ type: 'pong', sentAt: frame.sentAt });
        break;
      case 'pong':
        this.emit('rtt', this.now() - frame.sentAt);
        break;
      case 'bye':
        this.emit('bye', undefined);
        break;
      case 'signal':
        this.emit('signal', { kind: frame.kind, sdp: frame.sdp });
        break;
    }
  }

  private sendFrame(frame: Frame): void {
    this.send(encodeFrame(frame));
  }

  private emit<K extends keyof ChatSessionEvents>(type: K, detail: ChatSessionEvents[K]['detail']): void {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}
