// Serves dist/ over https on this machine's network, so a phone on the same Wi-Fi can open Tincan with its camera
// (browsers give the camera only to https pages, or to http://localhost). Downloads nothing: the certificate is a
// self-signed one made by the system's own `openssl`, valid 30 days for "localhost" and this machine's addresses,
// kept in .build/https/ (git-ignored). Or bring your own: --cert FILE --key FILE (e.g. from mkcert, which makes one
// your phone can trust).
//
//   npm run build && node scripts/serve-https.mjs [--port 8443] [--cert cert.pem --key key.pem]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import sirv from 'sirv';

const certificateValidDays = 30;
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : fallback;
};
const port = Number(option('port', '8443'));
const dir = option('dir', 'dist');

/** This machine's IPv4 addresses on its networks (the ones a phone on the same Wi-Fi can reach). */
function localAddresses() {
  return Object.values(os.networkInterfaces())
    .flat()
    .filter((a) => a && a.family === 'IPv4' && !a.internal)
    .map((a) => a.address);
}

/** A self-signed ECDSA P-256 certificate for localhost and the given addresses, made by openssl (no download). */
function selfSignedCertificate(addresses) {
  const folder = path.join('.build', 'https');
  const cert = path.join(folder, 'cert.pem');
  const key = path.join(folder, 'key.pem');
  const names = path.join(folder, 'names.txt');
  const wanted = ['DNS:localhost', 'IP:127.0.0.1', ...addresses.map((a) => `IP:${a}`)].join(',');
  // Made again when the addresses changed (another network) or it is older than its validity.
  const isFresh =
    fs.existsSync(cert) && fs.existsSync(key) && fs.existsSync(names) && fs.readFileSync(names, 'utf8') === wanted &&
    Date.now() - fs.statSync(cert).mtimeMs < (certificateValidDays - 1) * 86_400_000;
  if (!isFresh) {
    fs.mkdirSync(folder, { recursive: true });
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-days', String(certificateValidDays), '-subj', '/CN=Tincan on this computer',
      '-addext', `subjectAltName=${wanted}`, '-keyout', key, '-out', cert,
    ], { stdio: 'ignore' });
    fs.writeFileSync(names, wanted);
  }
  return { cert, key };
}

if (!fs.existsSync(path.join(dir, 'index.html'))) {
  console.error(`No ${dir}/index.html: run "npm run build" first.`);
  process.exit(1);
}
const addresses = localAddresses();
const files = option('cert') && option('key') ? { cert: option('cert'), key: option('key') } : selfSignedCertificate(addresses);
const serve = sirv(dir, { dev: true, etag: true });
const server = https.createServer({ cert: fs.readFileSync(files.cert), key: fs.readFileSync(files.key) }, (req, res) =>
  serve(req, res, () => {
    res.statusCode = 404;
    res.end('Not found');
  }),
);
server.listen(port, '0.0.0.0', () => {
  console.log('Tincan is served over https (Ctrl+C stops it). Open one of these on your phone and your computer:');
  for (const address of ['localhost', ...addresses]) console.log(`  https://${address}:${port}/`);
  if (!option('cert')) {
    console.log('The certificate is self-signed: each browser warns once; accept it to go on (Advanced → Proceed).');
  }
});
