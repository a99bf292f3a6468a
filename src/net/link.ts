// PROVISIONAL (lead): the DOM-free connection interface chat/ uses; the net helper's version replaces this file.
import type { ErrorCode } from '../errors';
import type { Emitter } from '../events';
import type { SessionFields } from '../invite/sdp';

export type LinkRole = 'inviter' | 'answerer';
export type LinkState = 'gathering' | 'waiting-for-answer' | 'waiting-for-inviter' | 'connecting' | 'connected' | 'closed' | 'failed';

export interface LinkEnded {
  readonly state: 'closed' | 'failed';
  readonly code?: ErrorCode;
  readonly detail?: string;
}

export interface LinkSignal {
  readonly kind: 'offer' | 'answer';
  readonly sdp: string;
}

export interface LinkEvents {
  state: LinkState;
  message: Uint8Array;
  signal: LinkSignal;
  'peer-unreachable': void;
}

export interface Link extends Pick<Emitter<LinkEvents>, 'on'> {
  readonly role: LinkRole;
  readonly state: LinkState;
  readonly ended?: LinkEnded;
  readonly localFields?: SessionFields;
  readonly remoteFields?: SessionFields;
  readonly bufferedAmount: number;
  send(bytes: Uint8Array): void;
  close(ended?: LinkEnded): void;
  applySignal(signal: LinkSignal): Promise<void>;
  selectedCandidateTypes(): Promise<{ local: string; remote: string } | undefined>;
}
