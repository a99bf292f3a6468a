// A Tincan bot in a few lines: it answers every message with the same text, reversed. Run it from a checkout:
//
//   npm install && npm run build                    # builds .build/node/tincan.mjs, what 'tincan/node' loads
//   TINCAN_PASSPHRASE='a long passphrase' node examples/echo-bot.mjs ~/.config/tincan-bot
//
// It makes a profile called "Echo bot" in that folder the first time, prints an invite (open its link in Tincan,
// then paste the answer code your page shows into this terminal), and after that answers whoever connects.
// Identity is a key: the bot answers the contact who wrote (contactId), never "whoever has that name".
import readline from 'node:readline';
import { openTincan, stopTincan } from 'tincan/node';

const home = process.argv[2] ?? 'tincan-bot';
const passphrase = process.env.TINCAN_PASSPHRASE;
if (!passphrase) throw new Error('Set TINCAN_PASSPHRASE: the bot\'s profile is sealed with it.');

let bot;
try {
  bot = await openTincan({ home, passphrase });
} catch (error) {
  if (error.code !== 'PROFILE_MISSING') throw error;
  bot = await openTincan({ home, passphrase, create: { name: 'Echo bot' } });
}

bot.on('connected', ({ name }) => console.log(`${name} connected`));
bot.on('message', async ({ contactId, from, text }) => {
  console.log(`${from}: ${text}`);
  await bot.send(contactId, [...text].reverse().join(''));
});
bot.on('error', ({ code }) => console.error(`error: ${code}`));

const { link } = await bot.invite();
console.log(`Open this link in Tincan, then paste the answer code here:\n${link}`);
for await (const line of readline.createInterface({ input: process.stdin })) {
  if (!line.trim()) continue;
  try {
    await bot.useCode(line.trim());
  } catch (error) {
    console.error(`That code did not work (${error.code ?? error.message}).`);
  }
}
await bot.close();
stopTincan();
