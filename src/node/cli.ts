// `tincan`, the command line of a Node peer (bin/tincan.mjs loads this file's bundle): parses the arguments, asks
// for the passphrase, and drives a TincanNode (node/tincan-node.ts). Words come from ui/messages.ts.
//
// --json: every line out is one JSON object (`{"event":"invite","code":…,"link":…}`, `answer`, `connected`,
// `message`, `delivered`, `stored`, `contact`, `safety-number`, `error` with `code` and `message`, ...), and every
// line in is one (`{"answer":CODE}` or `{"code":CODE}`, `{"send":TEXT,"to":NAME}`, `{"quit":true}`). Without it,
// sentences for people, and lines typed are messages (or /code, /to, /quit).
//
// Commands are a table (`commands`): one more command (the mailbox, issue 20) is one more entry, given the same
// CommandContext as the others.
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import QRCode from 'qrcode';
import { isTincanError, TincanError, toError, type ErrorCode } from '../errors';
import { qrSegments } from '../invite/qr-segments';
import type { Contact } from '../store/records';
import { cliText, errorMessages } from '../ui/messages';
import { debugLinks } from '../net/node-link';
import { parseHostPort, runMailbox } from './mailbox';
import { defaultPageUrl, openTincan, stopTincan, type OpenTincanOptions, type TincanNode } from './tincan-node';

/** How often a running mailbox says who it serves and how full it is. */
const mailboxReportMs = 60_000;

export interface CliOptions {
  readonly home: string;
  readonly json: boolean;
  readonly passphraseFile?: string;
  readonly pageUrl?: string;
  /** Bind ICE to one local address (--bind ADDRESS). */
  readonly bindAddress?: string;
  /** Files contacts send (--downloads DIR, --max-file-size BYTES, --max-downloads-size BYTES, --no-files): OpenTincanOptions.files. */
  readonly files?: OpenTincanOptions['files'];
  readonly command: string;
  /** The command's own words, options taken out. */
  readonly args: readonly string[];
  /** The command's options: --name NAME → name: NAME; a flag → 'true'. */
  readonly flags: Readonly<Record<string, string>>;
}

/** Options that take a value, and flags that do not, wherever they stand on the line. */
const valueOptions = new Set(['home', 'passphrase-file', 'page', 'bind', 'name', 'count', 'listen', 'public', 'downloads', 'max-file-size', 'max-downloads-size']);
const flagOptions = new Set(['json', 'anywhere', 'help', 'no-files']);

/** The default profile folder: $XDG_CONFIG_HOME/tincan, else ~/.config/tincan. */
export function defaultHome(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config'), 'tincan');
}

/** Reads a command line. Throws COMMAND_INVALID for an unknown option or a missing value; never reads a passphrase. */
export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): CliOptions {
  const words: string[] = [];
  const flags: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === '--') {
      words.push(...argv.slice(i + 1));
      break;
    }
    if (!word.startsWith('--') || word === '-') {
      words.push(word);
      continue;
    }
    const [name, inline] = word.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    if (name === 'passphrase') throw new TincanError('COMMAND_INVALID', 'a passphrase is never taken as an argument');
    if (flagOptions.has(name)) flags[name] = 'true';
    else if (valueOptions.has(name)) {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new TincanError('COMMAND_INVALID', `--${name} needs a value`);
      flags[name] = value;
    } else throw new TincanError('COMMAND_INVALID', `unknown option --${name}`);
  }
  const [command = 'help', ...args] = words;
  const { home, json, 'passphrase-file': passphraseFile, page, bind, downloads, 'max-file-size': maxFileSize, 'max-downloads-size': maxDownloadsSize, 'no-files': noFiles, ...rest } =
    flags;
  const maxBytes = byteCount('max-file-size', maxFileSize);
  const maxTotalBytes = byteCount('max-downloads-size', maxDownloadsSize);
  const files = noFiles
    ? false
    : downloads !== undefined || maxBytes !== undefined || maxTotalBytes !== undefined
      ? {
          ...(downloads !== undefined ? { directory: path.resolve(downloads) } : {}),
          ...(maxBytes !== undefined ? { maxBytes } : {}),
          ...(maxTotalBytes !== undefined ? { maxTotalBytes } : {}),
        }
      : undefined;
  return {
    home: path.resolve(home ?? defaultHome(env)),
    json: json === 'true',
    ...(passphraseFile ? { passphraseFile } : {}),
    ...(page ? { pageUrl: page } : {}),
    ...(bind ? { bindAddress: bind } : {}),
    ...(files !== undefined ? { files } : {}),
    command: rest.help ? 'help' : command,
    args,
    flags: rest,
  };
}

/** An option's number of bytes (undefined when not given). Throws COMMAND_INVALID for anything else. */
function byteCount(option: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const bytes = Number(value);
  if (!Number.isSafeInteger(bytes) || bytes < 0) throw new TincanError('COMMAND_INVALID', `--${option} takes a number of bytes`);
  return bytes;
}

/** What one JSON input line asks for. Throws COMMAND_INVALID for anything else. */
export type JsonInput = { readonly code: string } | { readonly send: string; readonly to?: string } | { readonly quit: true };

export function parseJsonInput(line: string): JsonInput {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new TincanError('COMMAND_INVALID', 'not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TincanError('COMMAND_INVALID', 'not a JSON object');
  const input = value as Record<string, unknown>;
  const code = input.answer ?? input.code;
  if (typeof code === 'string') return { code };
  if (typeof input.send === 'string') {
    if (input.to !== undefined && typeof input.to !== 'string') throw new TincanError('COMMAND_INVALID', '"to" is not a string');
    return { send: input.send, ...(typeof input.to === 'string' ? { to: input.to } : {}) };
  }
  if (input.quit === true) return { quit: true };
  throw new TincanError('COMMAND_INVALID', 'expected "answer", "code", "send" or "quit"');
}

/** Where a command writes: JSON events in --json mode, sentences otherwise. */
export interface Output {
  /** One event: printed as JSON, or as `text` when there is one (nothing otherwise). */
  event(event: Record<string, unknown> & { readonly event: string }, text?: string): void;
  error(error: unknown): void;
}

export function errorEvent(error: unknown): { event: 'error'; code: ErrorCode; message: string; detail?: string } {
  const code: ErrorCode = isTincanError(error) ? error.code : 'UNEXPECTED';
  const detail = isTincanError(error) ? undefined : toError(error).message;
  return { event: 'error', code, message: errorMessages[code], ...(detail ? { detail } : {}) };
}

export function makeOutput(
  json: boolean,
  write: (line: string) => void = (line) => void process.stdout.write(`${line}\n`),
  writeError: (line: string) => void = (line) => void process.stderr.write(`${line}\n`),
): Output {
  return {
    event(event, text) {
      if (json) write(JSON.stringify(event));
      else if (text !== undefined) write(text);
    },
    error(error) {
      const event = errorEvent(error);
      if (json) write(JSON.stringify(event));
      else writeError(event.message);
    },
  };
}

export interface CommandContext {
  readonly options: CliOptions;
  readonly output: Output;
  /** The passphrase (asked once; `repeat` asks twice when a terminal is there, for a new profile). */
  passphrase(options?: { readonly repeat?: boolean }): Promise<string>;
  /** Opens the profile in options.home with these extra options. */
  open(extra?: Partial<OpenTincanOptions>): Promise<TincanNode>;
  /** Lines typed or piped in, one at a time; ends with the input. */
  lines(): AsyncIterable<string>;
}

export type Command = (context: CommandContext) => Promise<number>;

async function terminalQr(link: string): Promise<string> {
  return QRCode.toString(qrSegments(link) as QRCode.QRCodeSegment[], { type: 'terminal', small: true, errorCorrectionLevel: 'M' });
}

/** Says a code to give someone: JSON event, or sentence, code, link and (for invites) a terminal QR code. */
async function showCode(context: CommandContext, event: 'invite' | 'answer', code: string, link: string | undefined, intro: string): Promise<void> {
  const qr = link && !context.options.json ? await terminalQr(link) : '';
  context.output.event({ event, code, ...(link ? { link } : {}) }, [intro, '', code, ...(link ? [link, qr] : []), cliText.waiting].join('\n'));
}

/**
 * Stays connected and chats: prints what arrives, sends what is typed, takes codes, until the input ends or
 * /quit. `current`: the contact lines go to until another connects or /to picks one.
 */
async function chatSession(context: CommandContext, node: TincanNode, current?: string): Promise<number> {
  const { output } = context;
  let to = current;
  node.on('connected', ({ contactId, name }) => {
    to = contactId;
    void node.safetyNumber(contactId).then((groups) =>
      output.event({ event: 'connected', contact: name, id: contactId, safetyNumber: groups.join(' ') }, cliText.connected(name)),
    );
  });
  node.on('disconnected', ({ contactId, name, code }) => output.event({ event: 'disconnected', contact: name, id: contactId, ...(code ? { code } : {}) }, cliText.disconnected(name)));
  node.on('message', ({ contactId, from, id, text, sentAt }) => output.event({ event: 'message', from, contact: contactId, id, text, sentAt }, cliText.message(from, text)));
  node.on('delivered', ({ contactId, id }) => output.event({ event: 'delivered', id, contact: contactId }));
  node.on('error', ({ code, contactId }) => output.error(new TincanError(code, contactId)));
  node.on('file', ({ contactId, from, name, path: where, size }) => output.event({ event: 'file', from, contact: contactId, name, path: where, size }, cliText.fileReceived(from, name, size, where)));
  node.on('file-refused', ({ contactId, from, name, size, reason }) => output.event({ event: 'file-refused', from, contact: contactId, name, size, reason }, cliText.fileRefused(from, name, size, reason)));

  const useCode = async (code: string) => {
    const { answer } = await node.useCode(code);
    if (answer) await showCode(context, 'answer', answer, undefined, cliText.answer);
  };
  const send = async (text: string, recipient = to) => {
    if (!recipient) throw new TincanError('NO_CONVERSATION');
    const { id, contactId } = await node.send(recipient, text);
    const name = node.findContact(contactId).displayName;
    output.event({ event: 'stored', id, to: name, contact: contactId }, node.isOnline(contactId) ? undefined : cliText.stored(name));
  };
  for await (const line of context.lines()) {
    try {
      if (context.options.json) {
        if (!line.trim()) continue;
        const input = parseJsonInput(line);
        if ('quit' in input) break;
        if ('code' in input) await useCode(input.code);
        else await send(input.send, input.to === undefined ? to : node.findContact(input.to).id);
        continue;
      }
      const [, command, rest = ''] = /^\/(\w+)\s*(.*)$/s.exec(line.trim()) ?? [];
      if (command === 'quit') break;
      else if (command === 'code' || command === 'answer' || command === 'accept') await useCode(rest);
      else if (command === 'to') to = node.findContact(rest.trim()).id;
      else if (command) throw new TincanError('COMMAND_INVALID', `/${command}`);
      else if (line.trim()) await send(line);
    } catch (error) {
      output.error(error);
    }
  }
  return 0;
}

/** The newest `count` messages with a contact, oldest first. */
async function showHistory(context: CommandContext, node: TincanNode, contact: Contact, count: number): Promise<void> {
  for (const message of await node.history(contact.id, count)) {
    context.output.event(
      { event: 'history', contact: contact.displayName, id: message.id, direction: message.direction, text: message.text, sentAt: message.sentAt, state: message.state },
      message.direction === 'in' ? cliText.message(contact.displayName, message.text) : cliText.own(message.text),
    );
  }
}

/** `tincan mailbox --listen ADDRESS:PORT [--public ADDRESS:PORT]`: runs this folder's mailbox (node/mailbox.ts) until
 * interrupted; prints its code as text, link and terminal QR code, then who it serves and how full it is. */
export const mailboxCommand: Command = async ({ options, output }) => {
  const listen = parseHostPort(options.flags.listen ?? '');
  const publicAddress = options.flags.public === undefined ? undefined : parseHostPort(options.flags.public);
  if (!listen || (options.flags.public !== undefined && !publicAddress)) throw new TincanError('COMMAND_INVALID', 'mailbox --listen ADDRESS:PORT');
  const mailbox = await runMailbox({ home: options.home, listen, ...(publicAddress ? { publicAddress } : {}) });
  const link = mailbox.link(options.pageUrl ?? defaultPageUrl);
  const qr = options.json ? '' : await terminalQr(link);
  output.event({ event: 'mailbox', code: mailbox.code, link }, [cliText.mailboxListening(`${listen.address}:${listen.port}`), cliText.mailboxCode, mailbox.code, link, qr, cliText.mailboxReach].join('\n'));
  const report = (): void => {
    const status = mailbox.status();
    const owner = status.owner ? status.owner.slice(0, 8) : undefined;
    output.event({ event: 'mailbox-status', owner: status.owner ?? null, contacts: status.contacts, held: status.held, usedBytes: status.usedBytes, quotaBytes: status.quotaBytes }, cliText.mailboxStatus(owner, status.contacts, status.held, status.usedBytes, status.quotaBytes));
  };
  report();
  const timer = setInterval(report, mailboxReportMs);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  clearInterval(timer);
  await mailbox.stop();
  return 0;
};

/** Opens the profile, runs `task`, and closes the profile whatever happens. */
async function withProfile(context: CommandContext, task: (node: TincanNode) => Promise<number>): Promise<number> {
  const node = await context.open();
  try {
    return await task(node);
  } finally {
    await node.close();
  }
}

export const commands: Record<string, Command> = {
  help: async ({ output }) => {
    output.event({ event: 'help', text: cliText.usage }, cliText.usage);
    return 0;
  },
  init: async (context) => {
    const name = context.options.flags.name;
    if (!name) throw new TincanError('COMMAND_INVALID', 'init needs --name NAME');
    const passphrase = await context.passphrase({ repeat: true });
    const node = await context.open({ passphrase, create: { name, reach: context.options.flags.anywhere ? 'anywhere' : 'local' } });
    const fingerprint = node.certificateFingerprint;
    context.output.event({ event: 'created', name: node.name, home: node.home, ...(fingerprint ? { certificate: Buffer.from(fingerprint).toString('hex') } : {}) }, cliText.created(node.name, node.home));
    await node.close();
    return 0;
  },
  invite: async (context) => {
    return withProfile(context, async (node) => {
      const { code, link } = await node.invite();
      await showCode(context, 'invite', code, link, cliText.invite);
      return await chatSession(context, node);
    });
  },
  accept: async (context) => {
    const code = context.options.args.join(' ');
    if (!code) throw new TincanError('CODE_EMPTY');
    return withProfile(context, async (node) => {
      const { answer } = await node.useCode(code);
      if (answer) await showCode(context, 'answer', answer, undefined, cliText.answer);
      return await chatSession(context, node);
    });
  },
  chat: async (context) => {
    const [who] = context.options.args;
    if (!who) throw new TincanError('COMMAND_INVALID', 'chat needs NAME');
    return withProfile(context, async (node) => {
      const contact = node.findContact(who);
      await showHistory(context, node, contact, 20);
      const { code, link } = await node.reconnect(contact.id);
      await showCode(context, 'invite', code, link, cliText.reconnect(contact.displayName));
      return await chatSession(context, node, contact.id);
    });
  },
  history: async (context) => {
    const [who] = context.options.args;
    if (!who) throw new TincanError('COMMAND_INVALID', 'history needs NAME');
    return withProfile(context, async (node) => {
      const contact = node.findContact(who);
      await showHistory(context, node, contact, Number(context.options.flags.count ?? 50));
      return 0;
    });
  },
  send: async (context) => {
    const [who, ...words] = context.options.args;
    const text = words.join(' ');
    if (!who || !text) throw new TincanError('COMMAND_INVALID', 'send needs NAME and TEXT');
    return withProfile(context, async (node) => {
      const { id, contactId } = await node.send(who, text);
      const name = node.findContact(contactId).displayName;
      context.output.event({ event: 'stored', id, to: name, contact: contactId }, cliText.stored(name));
      return 0;
    });
  },
  contacts: async (context) => {
    return withProfile(context, async (node) => {
      const contacts = node.contacts();
      if (!contacts.length && !context.options.json) context.output.event({ event: 'none' }, cliText.noContacts);
      for (const c of contacts) context.output.event({ event: 'contact', ...c }, cliText.contact(c.name, c.id, c.online, c.waiting));
      return 0;
    });
  },
  'safety-number': async (context) => {
    const [who] = context.options.args;
    if (!who) throw new TincanError('COMMAND_INVALID', 'safety-number needs NAME');
    return withProfile(context, async (node) => {
      const contact = node.findContact(who);
      const groups = await node.safetyNumber(contact.id);
      const rows = [0, 4, 8].map((start) => groups.slice(start, start + 4).join(' '));
      context.output.event({ event: 'safety-number', contact: contact.displayName, id: contact.id, number: groups.join(' ') }, [cliText.safetyNumber(contact.displayName), ...rows].join('\n'));
      return 0;
    });
  },
  export: async (context) => {
    const [file] = context.options.args;
    if (!file) throw new TincanError('COMMAND_INVALID', 'export needs FILE');
    return withProfile(context, async (node) => {
      const backup = await node.exportBackup();
      await writeFile(file, backup, { mode: 0o600, flush: true });
      context.output.event({ event: 'exported', file: path.resolve(file), bytes: backup.length }, cliText.exported(file));
      return 0;
    });
  },
  import: async (context) => {
    const [file] = context.options.args;
    if (!file) throw new TincanError('COMMAND_INVALID', 'import needs FILE');
    const backup = new Uint8Array(await readFile(file));
    const node = await context.open({ importBackup: backup });
    context.output.event({ event: 'imported', name: node.name, home: node.home }, cliText.imported(node.name, node.home));
    await node.close();
    return 0;
  },
  mailbox: (context) => mailboxCommand(context),
};

/** Reads a passphrase from the terminal without echoing it. */
function askHidden(prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const input = process.stdin;
    process.stderr.write(prompt);
    let typed = '';
    input.setRawMode(true);
    input.resume();
    input.setEncoding('utf8');
    const done = (error?: Error) => {
      input.setRawMode(false);
      input.pause();
      input.off('data', onData);
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') return done();
        if (char === '\u0003') return done(new TincanError('PASSPHRASE_MISSING', 'interrupted'));
        if (char === '\u007f' || char === '\b') typed = typed.slice(0, -1);
        else typed += char;
      }
    };
    input.on('data', onData);
  });
}

/** The command line's context over this process's stdin, stdout and environment. */
function processContext(options: CliOptions, output: Output, env: NodeJS.ProcessEnv): CommandContext {
  let known: string | undefined;
  const passphrase = async ({ repeat = false } = {}): Promise<string> => {
    if (known !== undefined) return known;
    if (options.passphraseFile) known = (await readFile(options.passphraseFile, 'utf8')).split(/\r?\n/)[0] ?? '';
    else if (env.TINCAN_PASSPHRASE) known = env.TINCAN_PASSPHRASE;
    else if (process.stdin.isTTY && !options.json) {
      const first = await askHidden(cliText.passphrasePrompt);
      if (repeat && (await askHidden(cliText.passphraseRepeat)) !== first) throw new TincanError('PASSPHRASE_MISMATCH');
      known = first;
    } else throw new TincanError('PASSPHRASE_MISSING');
    return known;
  };
  let reader: readline.Interface | undefined;
  return {
    options,
    output,
    passphrase,
    open: async (extra = {}) =>
      openTincan({
        home: options.home,
        passphrase: extra.passphrase ?? (await passphrase()),
        ...(options.pageUrl ? { pageUrl: options.pageUrl } : {}),
        ...(options.bindAddress ? { bindAddress: options.bindAddress } : {}),
        ...(options.files !== undefined ? { files: options.files } : {}),
        ...extra,
      }),
    lines: () => (reader ??= readline.createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false }))[Symbol.asyncIterator](),
  };
}

/** Runs one command line; resolves to the exit status (0 done, 1 failed, 2 not understood). */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let options: CliOptions;
  try {
    options = parseArgs(argv, env);
  } catch (error) {
    makeOutput(argv.includes('--json')).error(error);
    return 2;
  }
  const output = makeOutput(options.json);
  // TINCAN_DEBUG=1: node-datachannel's own log on stderr (ICE and DTLS steps), for a connection that does not open.
  if (env.TINCAN_DEBUG) debugLinks((line) => process.stderr.write(`${line}\n`));
  const command = Object.hasOwn(commands, options.command) ? commands[options.command] : undefined;
  if (!command) {
    output.error(new TincanError('COMMAND_INVALID', options.command));
    return 2;
  }
  const stop = new Promise<number>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve(130));
  });
  try {
    const context = processContext(options, output, env);
    // A signal ends the input, so a chat session closes its profile (peers are told) before the process exits.
    void stop.then(() => process.stdin.destroy());
    return await command(context);
  } catch (error) {
    output.error(error);
    return 1;
  } finally {
    stopTincan();
  }
}
