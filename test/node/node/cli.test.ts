// The command line's pure parts (src/node/cli.ts): what a command line and a JSON input line mean, and what a JSON
// output line carries. Running the real program is test/node/node/cli-kill.test.ts and test/e2e/node-cli.test.mjs.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { TincanError, isTincanError } from '../../../src/errors';
import { errorMessages } from '../../../src/ui/messages';
import { commands, defaultHome, makeOutput, parseArgs, parseJsonInput } from '../../../src/node/cli';

const invalid = (error: unknown) => isTincanError(error, 'COMMAND_INVALID');

describe('tincan command line', () => {
  it('takes options anywhere on the line, and the command with its own words', () => {
    const options = parseArgs(['send', '--home', 'here', 'Bob', '--json', 'hello', 'there']);
    assert.equal(options.command, 'send');
    assert.deepEqual(options.args, ['Bob', 'hello', 'there']);
    assert.equal(options.home, path.resolve('here'));
    assert.equal(options.json, true);
    const init = parseArgs(['init', '--name=Alice Smith', '--anywhere', '--passphrase-file', 'pw.txt']);
    assert.deepEqual([init.command, init.flags.name, init.flags.anywhere, init.passphraseFile, init.json], ['init', 'Alice Smith', 'true', 'pw.txt', false]);
    assert.deepEqual(parseArgs(['send', 'Bob', '--', '--not-an-option']).args, ['Bob', '--not-an-option']);
    assert.equal(parseArgs([]).command, 'help');
    assert.equal(parseArgs(['invite', '--help']).command, 'help');
  });

  it('reads where received files go, how large they and the folder may be, or that they are refused', () => {
    assert.equal(parseArgs(['chat', 'Bob']).files, undefined, 'the defaults: <home>/downloads, 100 MiB');
    assert.deepEqual(parseArgs(['chat', 'Bob', '--downloads', 'in', '--max-file-size', '5000']).files, { directory: path.resolve('in'), maxBytes: 5000 });
    assert.equal(parseArgs(['invite', '--no-files']).files, false);
    assert.throws(() => parseArgs(['chat', 'Bob', '--max-file-size', 'lots']), invalid);
    assert.deepEqual(parseArgs(['mailbox', '--max-downloads-size', '2000000000']).files, { maxTotalBytes: 2_000_000_000 });
    assert.throws(() => parseArgs(['chat', 'Bob', '--max-downloads-size', '-1']), invalid);
    assert.ok(parseArgs(['help']).flags.downloads === undefined);
  });

  it('never takes a passphrase as an argument, and names what it cannot read', () => {
    assert.throws(() => parseArgs(['init', '--passphrase', 'secret']), invalid);
    assert.throws(() => parseArgs(['init', '--passphrase=secret']), invalid);
    assert.throws(() => parseArgs(['invite', '--colour']), invalid);
    assert.throws(() => parseArgs(['init', '--name']), invalid);
  });

  it('keeps the profile under the user config folder unless --home says otherwise', () => {
    assert.equal(parseArgs(['contacts'], { XDG_CONFIG_HOME: '/x/config' }).home, '/x/config/tincan');
    assert.equal(defaultHome({ XDG_CONFIG_HOME: '/y' }), '/y/tincan');
  });

  it('has every command the help names, the mailbox among them', () => {
    for (const name of ['help', 'init', 'invite', 'accept', 'chat', 'send', 'history', 'contacts', 'safety-number', 'export', 'import', 'mailbox']) {
      assert.equal(typeof commands[name], 'function', name);
    }
  });
});

describe('tincan --json', () => {
  it('reads codes, messages and quit, one JSON object a line', () => {
    assert.deepEqual(parseJsonInput('{"answer":"ABC"}'), { code: 'ABC' });
    assert.deepEqual(parseJsonInput('{"code":"ABC"}'), { code: 'ABC' });
    assert.deepEqual(parseJsonInput('{"send":"hi","to":"Bob"}'), { send: 'hi', to: 'Bob' });
    assert.deepEqual(parseJsonInput('{"send":"hi"}'), { send: 'hi' });
    assert.deepEqual(parseJsonInput('{"quit":true}'), { quit: true });
    for (const bad of ['hello', '[1]', 'null', '{"send":5}', '{"send":"x","to":7}', '{}']) assert.throws(() => parseJsonInput(bad), invalid, bad);
  });

  it('writes one JSON object a line, errors with their code and sentence', () => {
    const lines: string[] = [];
    const output = makeOutput(true, (line) => lines.push(line), () => assert.fail('nothing on stderr in --json mode'));
    output.event({ event: 'invite', code: 'C0DE', link: 'http://x/#C0DE' }, 'ignored in JSON');
    output.error(new TincanError('CONTACT_AMBIGUOUS', 'Bob'));
    output.error(new Error('boom'));
    assert.deepEqual(lines.map((line) => JSON.parse(line)), [
      { event: 'invite', code: 'C0DE', link: 'http://x/#C0DE' },
      { event: 'error', code: 'CONTACT_AMBIGUOUS', message: errorMessages.CONTACT_AMBIGUOUS },
      { event: 'error', code: 'UNEXPECTED', message: errorMessages.UNEXPECTED, detail: 'boom' },
    ]);
  });

  it('writes sentences without --json: events with words, errors on stderr', () => {
    const [out, err]: [string[], string[]] = [[], []];
    const output = makeOutput(false, (line) => out.push(line), (line) => err.push(line));
    output.event({ event: 'delivered', id: 'x' });
    output.event({ event: 'message', text: 'hi' }, 'Bob: hi');
    output.error(new TincanError('PROFILE_IN_USE'));
    assert.deepEqual(out, ['Bob: hi']);
    assert.deepEqual(err, [errorMessages.PROFILE_IN_USE]);
  });
});
