// Every sentence a person reads, in one place: error codes as what went wrong and what to do, then each
// screen's words. Components import from here; nothing else in src/ writes English for people.
import type { ErrorCode } from '../errors';
import type { TranscriptLabels } from '../store/transcript';
import type { ConnectionState, Reach } from '../app/app-state';
import type { PassphraseWeakness } from '../crypto/vault';
import type { CallOutcome } from '../chat/call-record';

export const errorMessages: Record<ErrorCode, string> = {
  CODE_EMPTY: 'Paste a code first: the invite or answer your contact sent you.',
  CODE_NOT_TINCAN: 'That is not a Tincan code. Ask your contact to copy the whole code again.',
  CODE_CHECKSUM: 'That code is cut off or has a typo. Copy the whole code again and paste it.',
  CODE_TRUNCATED: 'That code is cut off. Copy the whole code again and paste it.',
  CODE_NEWER_VERSION: 'That code was made by a newer version of Tincan. Reload this page to update, then try again.',
  CODE_EXPECTED_INVITE: 'That is an answer code, but this page has no open invite. Answers only work on the page that made the invite: make a new invite.',
  CODE_EXPECTED_ANSWER: 'That is an invite, but you are waiting for an answer. Paste the answer your contact sent back.',
  CODE_OWN_INVITE: 'That is your own invite. Send it to your contact, and paste the answer they send back.',
  CODE_INVITE_USED: 'You already answered this invite. Send the answer code below to your contact.',
  CODE_INVITE_ANSWERED: 'You already answered this invite, so it cannot connect again. Ask your contact for a new invite.',
  CODE_RECONNECT_OPEN: 'This reconnect code is already connecting on this page. Wait a moment: if it cannot connect, an answer code to send back shows up.',
  CODE_RECONNECT_USED: 'You already used this reconnect code, so it cannot connect again. Press Reconnect in the conversation, or ask your contact for a new code.',
  CODE_ANSWER_ALREADY_CONNECTED: 'This answer is for an invite of this page that was already answered: that connection was made. Nothing more to do with it.',
  CODE_TOO_LONG: 'That text is far longer than any Tincan code. Paste only the code.',
  CODE_RECONNECT_NOT_YOURS: 'This reconnect code was made for another device, so it cannot connect here. Ask the person who sent it for a new invite.',
  CODE_ANSWER_UNKNOWN_INVITE: 'That answer is for an invite this page no longer has (it was closed or reloaded). Make a new invite and send it again.',
  CODE_ANSWER_WRONG_DEVICE: 'That answer comes from a different device than the one this reconnect code was made for. Make a new invite instead.',
  CODE_ICE_CREDENTIALS: 'That code carries a connection password too short for any browser to accept, so Tincan did not use it. It was damaged or not made by Tincan: ask your contact for a new code.',
  CODE_PORT_ZERO: 'That code names port 0, which no device can be reached at, so Tincan did not use it. It was damaged or not made by Tincan: ask your contact for a new code.',
  CODE_ADDRESS_UNSPECIFIED: 'That code gives 0.0.0.0 or :: as an address, which belongs to no device, so Tincan did not use it. It was damaged or not made by Tincan: ask your contact for a new code.',
  CODE_ADDRESS_LOOPBACK: 'That code points at this device itself (an address like 127.0.0.1), not at your contact’s, so Tincan did not use it. Ask your contact for a new code made on their device.',
  CODE_ADDRESS_UNREACHABLE: 'That code gives a multicast, broadcast or reserved address, which no device can be reached at, so Tincan did not use it. It was damaged or not made by Tincan: ask your contact for a new code.',
  CODE_NO_CANDIDATES: 'That code has no network address to connect to. Ask your contact to check that their device is online, then make a new code.',
  NO_LOCAL_ADDRESS: 'This device found no network address to offer, so no one could connect to it. Check that it is connected to a network (Wi-Fi, cable or mobile data), then try again.',
  SDP_UNSUPPORTED: 'This browser made a connection offer Tincan cannot use. Try a current Chromium or Firefox.',
  ICE_FAILED: 'Could not reach your contact directly: you may be on networks that block direct connections. Try again on the same network, or add a TURN server in Settings.',
  CONNECT_TIMEOUT: 'The connection did not open in time. Make a new invite and try again.',
  CHANNEL_CLOSED: 'The connection closed. Make a new invite to talk again.',
  INVITER_UNREACHABLE: "This page cannot reach the inviter's device yet. Send your answer back right away: some browsers (Firefox) and home routers only let the connection through for a few seconds. If it does not connect, ask for a new invite and paste quickly, or both choose STUN in Settings (STUN + TURN for strict networks).",
  INVITER_GONE: 'Could not connect: the page that made the invite seems to be closed, or the answer reached it too late. Ask for a new invite and send the answer back right away.',
  WEBRTC_UNAVAILABLE: 'This browser has WebRTC turned off or does not support it, so Tincan cannot connect. Turn WebRTC on, or use a current Chromium or Firefox.',
  OFFER_FAILED: 'This browser could not make an invite. Reload the page and try again; if it keeps failing, try a current Chromium or Firefox.',
  ANSWER_FAILED: 'This browser could not answer that invite. Reload the page and paste the code again; if it keeps failing, try a current Chromium or Firefox.',
  CODE_REFUSED: 'This browser refused the connection details in that code. Ask your contact for a new code; if it happens again, one of you may need a current Chromium or Firefox.',
  CANDIDATES_REFUSED: 'This browser could not use any of the addresses in that answer. Ask your contact to answer a new invite.',
  SEND_QUEUE_FULL: 'The connection cannot keep up right now. Nothing was lost: wait a moment, then send again.',
  RECONNECT_WRONG_CONTACT: 'That answer comes from someone else, not from the contact this reconnect code is for. Nothing was changed: paste the answer from that contact, or make a new invite.',
  CERTIFICATE_FAILED: 'This browser could not make or use the key that secures connections. Reload the page; if it keeps failing, try a current Chromium or Firefox.',
  CERTIFICATE_NOT_KEPT: 'This browser did not keep the key that lets known contacts reconnect with one code, so after a reload you will need to exchange both codes again.',
  CONNECTION_LOST: 'The connection was lost. What you write now waits on this device and is sent when you connect again: make a new invite (either of you can).',
  NO_INVITE_PENDING: 'There is no open invite on this page. Make a new invite.',
  ICE_NO_SERVERS: 'Could not reach your contact. You seem to be on different networks, and without a STUN server Tincan only connects people on the same network. Both of you: choose STUN in Settings, then make a new invite.',
  ICE_PEER_NO_SERVERS: 'Could not reach your contact: their Tincan uses no STUN server, so it cannot be found from another network. Ask them to choose STUN in Settings, then make a new invite.',
  ICE_STUN_UNREACHABLE: 'Could not reach your contact, and your STUN server did not answer. Check its address in Settings or choose another one, then make a new invite.',
  ICE_TURN_UNREACHABLE: 'Could not reach your contact, and your TURN server did not answer or refused the username and password. Check them in Settings, then make a new invite.',
  ICE_NAT_BLOCKED: 'Could not reach your contact: your networks block direct connections, even with STUN. Add a TURN server in Settings (it relays your encrypted messages), then make a new invite.',
  ICE_URL_MISSING: 'Type the server address, for example stun:stun.example.org:3478.',
  ICE_URL_SCHEME: 'A server address starts with stun:, stuns:, turn: or turns:, for example turn:turn.example.org:3478.',
  ICE_URL_WRONG_BOX: 'That address belongs in the other box: stun: and stuns: addresses go under STUN server, turn: and turns: under TURN server.',
  ICE_URL_USERINFO: 'Leave the username and password out of the address: they have their own boxes.',
  ICE_URL_HOST: 'That server name is not valid. Use a name like turn.example.org, an IPv4 address, or an IPv6 address in brackets like [2001:db8::1].',
  ICE_URL_PORT: 'The port must be a number from 1 to 65535, as in turn.example.org:3478.',
  ICE_URL_TRANSPORT: 'Only turn: and turns: addresses may end in ?transport=, and only with udp or tcp.',
  ICE_TURN_CREDENTIALS: 'A TURN server needs both a username and a password: your TURN provider gives you both.',
  ICE_STUN_CREDENTIALS: 'STUN servers take no username or password. Remove them, or use a turn: address.',
  FRAME_TOO_LARGE: 'That message is too large to send. Split it into smaller ones.',
  MESSAGE_TOO_LONG: 'That message is too long (10,000 characters at most). Split it into smaller ones.',
  FRAME_INVALID: 'Your contact sent something Tincan could not read; it was ignored.',
  WRONG_PASSPHRASE: 'Wrong passphrase. Nothing was changed: try again.',
  PASSPHRASE_MISMATCH: 'The two passphrases differ. Type the same passphrase twice.',
  VAULT_LOCKED: 'Unlock Tincan with your passphrase first.',
  VAULT_DAMAGED: 'The key that protects your data on this device is damaged, so it cannot be opened even with the right passphrase. If you have a backup file, import it.',
  RECORD_TAMPERED: 'A stored record was damaged or altered and was skipped. The rest of your history is intact.',
  STORAGE_QUOTA: 'This device is out of storage space for Tincan. Free some space or export and delete old conversations.',
  STORAGE_UNAVAILABLE: 'This browser refuses to store data (private mode?). Tincan cannot keep history here.',
  BACKUP_INVALID: 'That file is not a Tincan backup, or it is damaged. Nothing was changed.',
  HANDSHAKE_FAILED: 'Security check failed: the other side could not prove its identity. The connection was closed.',
  FINGERPRINT_MISMATCH: 'Security check failed: the connection was altered on the way (the codes did not match the connection). It was closed; exchange new codes by a channel you trust.',
  REPLAYED_FRAME: 'A repeated or out-of-order message was rejected.',
  KEY_CHANGED: 'Warning: this contact now has a different identity key. It may be a new device or browser, or someone pretending to be them. Compare safety numbers in person before you trust it; sending is paused until you accept the new key.',
  SAFETY_NUMBER_MATCH: 'The safety numbers match: you are talking to the person whose code you scanned. You can mark this contact as verified.',
  SAFETY_NUMBER_DIFFERENT: 'The safety numbers do NOT match. Someone may be in the middle of this conversation: do not mark it as verified, and meet or call to exchange new codes.',
  NO_CONVERSATION: 'Connect to someone first: make an invite or paste a code.',
  GROUP_INTRO_TAMPERED: 'A member of this group could not be linked to you safely: the member who passed on the introduction changed it on the way. You were not connected to them.',
  PEER_STORAGE_FULL: 'Their device has no room left for this conversation, so your messages wait here. They are sent when there is room again.',
  CONVERSATION_FULL: 'This conversation has filled the space Tincan gives it on this device, so new messages from this contact are refused (they wait on their device). Export and delete old messages to make room.',
  PROFILE_INCOMPLETE: 'Enter your name and a passphrase.',
  PASSPHRASE_CHANGED: 'Passphrase changed.',
  DEVICE_FORGOTTEN: 'Everything Tincan kept on this device was erased.',
  UNEXPECTED: 'Something went wrong inside Tincan. Reload the page; your history is safe.',
  CALL_NEEDS_CONNECTION: 'Calls go straight to your contact, so they must be connected. Reconnect first, then call again.',
  CALL_UNAVAILABLE: 'This connection cannot carry a call. Reconnect, then call again.',
  CALL_BUSY: 'A call is already going on. End it first.',
  CALL_REFUSED: 'The call was refused: its connection was not the one your contact’s device signed, so someone else may have tried to take it.',
  CALL_CONNECTION_LOST: 'The call ended: the connection to your contact was lost.',
  CALL_FAILED: 'The call could not be set up on your contact’s device.',
  GROUP_CALL_TOO_BIG: 'Group calls are for groups of up to 4 people: each phone sends its voice and video to every other person in the call.',
  GROUP_CALL_OVER: 'The group’s call has ended.',
  MEDIA_DENIED: 'The browser did not let Tincan use the microphone or camera. Allow them for this page in the browser’s site settings, then call again.',
  MEDIA_MISSING: 'No microphone or camera was found on this device.',
  FILE_NEEDS_CONNECTION: 'Files go straight to your contact, so they must be connected. Reconnect first, then attach the file again.',
  FILE_DECLINED: 'Your contact declined the file.',
  FILE_CANCELLED: 'The file transfer was cancelled.',
  FILE_DISK_FULL: 'There is not enough storage space for this file. Free some space, then send or accept it again.',
  FILE_CONNECTION_LOST: 'The connection was lost during the file transfer. It continues from where it stopped when you connect again.',
  FILE_CHANGED: 'The file changed on the sender\'s device since it was offered, so the transfer cannot continue. Send it again.',
  FILE_SOURCE_MISSING: 'This page no longer has the file you were sending (the page was reloaded). Choose the same file again to continue.',
  FILE_HASH_MISMATCH: 'The received file does not match the one that was offered. It was discarded; ask for it again.',
  FILE_TOO_LARGE: 'That file is larger than this device accepts.',
  FILE_DAMAGED: 'This file was damaged in this browser\'s storage and cannot be opened. Remove it and ask for it again.',
  FILE_NO_ROOM: 'This device does not have room for that file. Remove files you no longer need (or free space on the device), then accept it again.',
  FILE_SAVE_NO_ROOM: 'There is not enough room on this device to save a copy of this file. Free some space, then press Save again.',
  FILE_NOT_A_PICTURE: 'This file was offered as a picture, but it is not one.',
  FILE_SAVE_LOCKED: 'Tincan locked before the file was saved, so nothing was downloaded. Unlock and press Save again.',
  RECONNECT_REFUSED: 'This code comes from someone you removed and refused to reconnect with, so it was not used. To talk again, send them a new invite.',
  CONTACT_UNKNOWN: 'No contact has that name or id. `tincan contacts` lists them.',
  CONTACT_AMBIGUOUS: 'Several contacts have that name, and a name proves nothing: give the contact\'s id instead (`tincan contacts` lists them).',
  PROFILE_MISSING: 'There is no Tincan profile in this folder yet. Make one with `tincan init --name NAME`, or import a backup.',
  PROFILE_EXISTS: 'This folder already has a Tincan profile. Choose another folder with --home.',
  PROFILE_IN_USE: 'This profile is open in another Tincan process. Close that one first, or choose another folder with --home.',
  PASSPHRASE_MISSING: 'Tincan needs the passphrase: type it when asked, or give --passphrase-file FILE or the TINCAN_PASSPHRASE variable.',
  COMMAND_INVALID: 'Tincan could not read that command. `tincan help` shows what it takes.',
  MAILBOX_CODE_EMPTY: 'Paste the mailbox code first: the one your mailbox printed when it started.',
  MAILBOX_CODE_IS_INVITE: 'That is an invite or answer code, not a mailbox code. Paste the code your mailbox printed.',
  MAILBOX_CODE_INVALID: 'That is not a mailbox code. Copy the whole code your mailbox printed and paste it again.',
  MAILBOX_CODE_CHECKSUM: 'That mailbox code is cut off or has a typo. Copy the whole code again and paste it.',
  MAILBOX_CODE_NEWER: 'That mailbox code was made by a newer version of Tincan. Reload this page to update, then try again.',
  MAILBOX_CODE_ADDRESS: 'That mailbox code names an address no device can be reached at. Start the mailbox with its real address (--public ADDRESS:PORT) and use the code it prints.',
  MAILBOX_UNREACHABLE: 'Your mailbox did not answer. Check that it is running and that its address and UDP port can be reached from here.',
  MAILBOX_WRONG_KEY: 'Something answered at the mailbox’s address, but it is not the mailbox this code names. Nothing was sent to it.',
  MAILBOX_REFUSED: 'This mailbox belongs to someone else, so it does not serve you.',
  MAILBOX_FULL: 'The mailbox is full, so it holds no more messages for now. They stay waiting here and go out later.',
  CAMERA_DENIED: 'Camera access was denied. Allow the camera in your browser settings, or paste the code instead.',
  CAMERA_MISSING: 'No camera was found. Paste the code instead, or scan it from an image.',
  CAMERA_INSECURE: 'The camera only works on a secure (https) page. Paste the code instead.',
  QR_NOT_FOUND: 'No Tincan code was found in that picture. Try a sharper picture or paste the code.',
  RELAY_ADDRESS: 'That is not a relay address. Write one address a line, starting with wss://. This line:',
  CODE_ANSWER_RELAY_FIRST:
    'Another answer to this invite came through your relay first and connected: it is not from the device that made this answer. Compare safety numbers with the contact that connected, remove it if you do not know it, and make a new invite for your friend.',
  RELAY_ANSWER_REFUSED:
    'Something came through your relay for your invite, but it is not an answer to that invite, so it was ignored. The invite still waits for your friend’s answer.',
};

export function noticeText(notice: { code?: ErrorCode; detail?: string; name?: string }): string {
  if (notice.code === 'GROUP_INTRO_TAMPERED' && notice.name) return groupText.introTampered(notice.name);
  if (notice.code) return errorMessages[notice.code];
  return notice.detail ?? 'Something went wrong.';
}

// -------------------------------------------------------------------------------------------------------------
// Everything else a person reads, by screen. Sentences that name someone are functions of that name.


export const appName = 'Tincan';

/** The page's title, with the number of unread messages in front ("(2) Tincan"). */
export function pageTitle(unread: number): string {
  return unread > 0 ? `(${unread > 999 ? '999+' : unread}) ${appName}` : appName;
}

export const passphraseWeaknessMessages: Record<PassphraseWeakness, string> = {
  'too-short': 'This passphrase is short: someone who copies this device could guess it. Use four or more words.',
  'few-distinct-characters': 'This passphrase repeats the same few characters: it is easy to guess. Use four or more words.',
  'no-letters': 'A passphrase of digits only is easy to guess. Use four or more words.',
  'common-password': 'This is one of the most common passwords: it would be guessed first. Use four or more words.',
  'predictable-pattern': 'This passphrase follows a common pattern and is easy to guess. Use four or more words.',
};

/** Said when the page is opened inside another page's frame (src/ui/frame-guard.ts). */
export const frameText = {
  heading: 'Tincan must be opened on its own',
  body: 'This page was opened inside another website, which could watch or change what you type. Tincan does not run there.',
  link: 'Open Tincan on its own',
};

export const shellText = {
  loading: 'Opening Tincan…',
  settings: 'Settings',
  updateReady: 'A new version of Tincan is ready.',
  reload: 'Reload',
  dismiss: 'Dismiss',
  ok: 'OK',
  back: 'Back',
  unavailable: 'Tincan cannot open its storage in this browser.',
  elsewhereHeading: 'Tincan is open in another tab',
  elsewhereBody: 'Only one tab at a time can use your history on this device. Use here moves Tincan to this tab; the other tab stops.',
  useHere: 'Use here',
  vaultRestoredOlder: "This device's history was restored from an older copy. Recent messages, a verified mark or a key change may be missing from it; nothing else was removed.",
  vaultDamaged: (count: number) =>
    count === 1
      ? 'One stored record was damaged and could not be read; it was skipped. The rest of your history is intact.'
      : `${count} stored records were damaged and could not be read; they were skipped. The rest of your history is intact.`,
  vaultHealthHeading: 'About your history',
  pickConversation: 'Choose a conversation, or start one with New invite.',
  nothingYet: 'Nothing here yet. Send an invite with New invite, or paste a code someone sent you.',
};

export const reachText: Record<Reach, { choice: string; card: string }> = {
  anywhere: {
    choice: 'Anywhere — a public STUN server learns your IP address (recommended)',
    card: 'Works across networks: a public STUN server sees your IP address.',
  },
  local: {
    choice: 'Same network only — nothing leaves your network',
    card: 'Works on your network only.',
  },
  custom: {
    choice: 'Your own servers (chosen in Settings)',
    card: 'Uses the servers you chose in Settings.',
  },
};

export const welcomeText = {
  intro: 'A private chat in your browser: no account, no server. Messages go straight to the other person.',
  createHeading: 'Create your profile',
  name: 'Your name',
  nameHint: 'Only the people you connect with see it.',
  passphrase: 'Passphrase',
  passphraseHint: 'It encrypts your history on this device. Nobody can recover it for you.',
  repeat: 'Repeat passphrase',
  reachLegend: 'How far should your invites reach?',
  /** The reach, in one line with "Change": short enough for "Change" to fit beside it on a 360 px phone. The
   * recommended one is preselected; the choices say what each costs, and so does the invite card. */
  reachLine: {
    anywhere: 'Invites work across networks.',
    local: 'Invites work on your network only.',
  },
  reachTurn: 'If a connection still fails on strict networks (some offices and mobile networks), you can add a TURN server in Settings later. It is optional.',
  create: 'Create profile',
  creating: 'Creating…',
  deriving: 'Making a key from your passphrase…',
  restore: 'Restore from a backup',
  backupFile: 'Backup file',
  backupPassphrase: 'Backup passphrase',
  restoreButton: 'Restore backup',
  unlockHeading: 'Welcome back',
  unlockBody: 'Your history on this device is encrypted. Enter your passphrase to open it.',
  unlock: 'Unlock',
  unlocking: 'Unlocking…',
  forgot: 'Forgot it? Without the passphrase nobody can read the history, not even you. You can only erase it and start over.',
  /** An invitee's whole intro, under "You've been invited to chat": what to do, and that nothing goes out yet. */
  invitedBeforeProfile: 'Create your profile first. Nothing is sent before you answer.',
};

/** iPhones and iPads: Safari erases a site's storage after seven days without a visit, unless it is on the Home Screen. */
export const homeScreenText = {
  heading: 'Keep your history on this iPhone',
  body: 'Add Tincan to your Home Screen, or your history may be erased after a week away.',
  steps: ['Tap the Share button in Safari.', 'Choose Add to Home Screen, then Add.', 'Open Tincan from its icon on the Home Screen from now on.'],
  backup: 'Keep an encrypted backup too: Settings, then Export backup.',
};

export const invitationText = {
  heading: "You've been invited to chat",
  fromSomeone: 'Someone sent you a Tincan invite. You will see their name once you are connected: the name inside a code is not checked.',
  fromContact: (name: string) =>
    `This code says it comes from ${name}'s device, to reconnect with you. Tincan checks that when you connect.`,
  shares: 'Connecting shows each of you the other’s IP address (roughly where you are and which provider you use).',
  answer: 'Answer',
  decline: 'Not now',
  /** A code from the device of a contact the person removed. */
  removedHeading: (name: string) => `${name} wants to reconnect`,
  removedBody: (name: string, when: string) =>
    `You removed ${name} ${when}. Accept to talk again, or refuse: codes from ${name}'s device will then be refused.`,
  accept: 'Accept',
  refuse: 'Refuse',
};

export const pairingText = {
  heading: 'Connect',
  newInvite: 'New invite',
  pasteOrScan: 'Paste or scan a code',
  change: 'Change',
  /** The accessible name of that "Change" (it starts with the visible word). */
  changeReach: 'Change how far your invites reach',
  reachLegend: 'Invites reach',
  reachApplies: 'New invites use this. An invite already shown keeps its old reach: make a new one.',
  steps: [
    'Press New invite and send it to your friend (share, copy the link, or show the QR code).',
    'Your friend opens it and sends you back an answer code.',
    'Paste their answer into the box under your invite. You are connected.',
  ],
  gotCode: 'Got a code?',
  pasteLabel: 'Paste a code',
  pastePlaceholder: 'An invite, an answer, or a Tincan link',
  pasteHintInviter: 'Paste the answer your friend sends back.',
  connect: 'Connect',
  inviteHeading: 'Send this invite to your friend',
  reconnectHeading: (name: string) => `Reconnect with ${name}`,
  reconnectOnly: (name: string) => `Only ${name}'s device can use this code: to anyone else it is useless.`,
  oneCodeUnavailable: (name: string) =>
    `This browser cannot keep a one-code reconnect open, so ${name} sends you an answer back, as the first time.`,
  inviteKeepOpen: 'Keep this page open until you are connected: the invite works only while it is open.',
  waitingForAnswer: (name?: string) => (name ? `Waiting for ${name}'s answer` : "Waiting for your friend's answer"),
  waitingForReconnect: (name: string) => `Waiting for ${name} to open the code`,
  answerHeading: 'Send this answer back',
  answerBody: (name?: string) =>
    `${name ?? 'The person who invited you'} pastes it or scans it. Keep this page open until you are connected.`,
  inviterUnreachable:
    "Tincan cannot reach the inviter's device. If they closed or reloaded the page that made the invite, this answer cannot work: ask for a new invite. Otherwise send the answer back right away: some browsers (Firefox) and home routers let the connection through for a few seconds only.",
  waitingForInviter: (name?: string) => (name ? `Waiting for ${name} to paste your answer` : 'Waiting for them to paste your answer'),
  /** An answer nobody has connected with for a while (exchange-card.ts noOneCameAfterMs). */
  noOneCame: (name?: string) =>
    `No one has connected with this answer yet. If ${name ?? 'the person who invited you'} already connected with someone else's answer to this invite, it was used: ask for a new invite.`,
  reconnectAnswering: (name?: string) => (name ? `Connecting to ${name}…` : 'Connecting…'),
  reconnectFallback: (name?: string) =>
    `Not connected yet. Send this answer back to ${name ?? 'them'}: it connects even when the one code cannot.`,
  gathering: 'Preparing the code…',
  connecting: 'Connecting…',
  connected: 'Connected',
  ended: 'This code has ended.',
  timeLeft: (text: string) => `${text} left`,
  cancel: 'Cancel',
  cancelInvite: 'Cancel invite',
  cancelAnswer: 'Cancel answer',
};

export const codeCardText = {
  inviteCode: 'Invite code',
  answerCode: 'Answer code',
  inviteQr: 'Invite QR code',
  answerQr: 'Answer QR code',
  shareInvite: 'Share invite',
  shareAnswer: 'Share answer',
  copyLink: 'Copy link',
  copyInvite: 'Copy invite',
  copyAnswer: 'Copy answer',
  showQr: 'Show QR code',
  hideQr: 'Hide QR code',
  emailInvite: 'Email invite',
  linkCopied: 'Link copied. Paste it into a message to your friend.',
  inviteCopied: 'Invite code copied. Your friend pastes it into Tincan.',
  answerCopied: 'Answer code copied. Send it back to the person who invited you.',
  copyFailed: 'This browser did not allow copying. The code is selected: copy it with your keyboard or the menu.',
  shareTitle: 'Tincan',
  shareInviteText: 'Chat with me on Tincan (private, no account). Open this link:',
  shareAnswerText: 'My Tincan answer code (paste it into Tincan):',
  emailSubject: 'Chat with me on Tincan',
  qrHintInvite: 'Your friend scans this with their camera app or with Tincan.',
  qrHintAnswer: 'The person who invited you scans this with Tincan.',
};

export const homeText = {
  emptyHeading: 'Start a conversation',
  listHeading: 'Conversations',
  notifyHeading: 'Know when a message arrives',
  notifyBody: 'Tincan can show a notification when a message arrives while it is in the background. It shows only who wrote, not what, unless you choose otherwise in Settings.',
  notifyOn: 'Turn on notifications',
  notifyLater: 'Not now',
};

/** What the conversation's status says (the status named "Connection"). "Connected" is the UI contract's word. */
export const connectionText: Record<ConnectionState, string> = {
  online: 'Connected',
  connecting: 'Connecting…',
  offline: 'Offline',
  /** The UI contract's words for a conversation reached only through relays (docs/relays.md). */
  relay: 'via relay',
};

export const conversationText = {
  closedByPeer: (name: string) => `${name} closed Tincan or went offline`,
  /** Only a bye sent as the contact's page went away (closed, reloaded) says this; a link that timed out does not. */
  closedPage: (name: string) => `${name} closed Tincan`,
  lastSeen: (when: string) => `last seen ${when}`,
  waiting: (count: number) => `${count} waiting`,
  unread: (count: number) => `${count} unread`,
  typing: (name: string) => `${name} is typing…`,
  verified: 'verified',
  lookalike: 'possible impostor',
  /** A contact whose device sent no name (stored without one: chat/contact-trust.ts). */
  unnamed: 'Unnamed',
};

/** Times in sentences (ui/message-format.ts picks the form and formats the clock). */
export const timeText = {
  atTime: (time: string) => `at ${time}`,
  onDay: (day: string) => `on ${day}`,
  seconds: (count: number) => `${count} s`,
  minutes: (count: number) => `${count} min`,
  hours: (count: number) => `${count} h`,
};

/** Why a conversation's last connection ended, in the conversation header (ConversationView.endCode). */
export function endedText(name: string, code: ErrorCode): string {
  switch (code) {
    case 'CONNECTION_LOST':
    case 'ICE_FAILED':
    case 'CONNECT_TIMEOUT':
      return `The connection to ${name} was lost`;
    case 'CHANNEL_CLOSED':
      return `${name} closed Tincan or went offline`;
    case 'HANDSHAKE_FAILED':
    case 'FINGERPRINT_MISMATCH':
      return `The connection to ${name} failed a security check and was closed`;
    case 'PEER_STORAGE_FULL':
      return `${name}'s device has no room for this conversation`;
    default:
      return errorMessages[code];
  }
}

/** Groups (docs/groups.md): forming one, its members, leaving and removing. */
export const groupText = {
  // Group calls (chat/group-calls.ts, ui/group-call-view.ts)
  callLimit: (members: number) => `Calls are for groups of up to 4 people; this group has ${members}.`,
  /** A call of the group goes on without this device (it left, declined or missed it): the group's screen offers it,
   * saying which kind (joining a video call starts with the camera off). */
  joinCall: (video: boolean) => (video ? 'Join video call' : 'Join voice call'),
  incomingGroupCall: (group: string, callers: readonly string[], video: boolean) =>
    `${callers.join(', ') || 'A member'} ${callers.length > 1 ? 'are' : 'is'} calling the group ${group}${video ? ' (video)' : ''}`,
  callMembers: 'People in the call',
  ringingOutGroup: (group: string) => `Calling ${group}…`,
  memberCallState: { ringing: 'Ringing…', connecting: 'Connecting…', 'in-call': 'In call' } as const,
  /** A member's tile in a group call: who, and how its leg is doing. */
  memberOnCall: (name: string, state: string) => `${name}, ${state}`,
  newGroup: 'New group',
  groupName: 'Group name',
  createGroup: 'Create group',
  cancel: 'Cancel',
  limit: 'Up to 16 people: everyone connects directly to everyone.',
  inviteToGroup: 'Invite to group',
  members: 'Members',
  leaveGroup: 'Leave group',
  remove: (name: string) => `Remove ${name}`,
  you: 'you',
  online: 'connected',
  offline: 'not connected',
  /** A member not linked to this device whose messages come and go through another member. */
  via: (name: string) => `via ${name}`,
  addedBy: (name: string) => `added by ${name}`,
  membersOnline: (online: number, others: number) => `${online} of ${others} connected`,
  notMember: 'You are no longer in this group. What was said stays here.',
  full: 'This group has 16 members, the most it can have.',
  rules: 'Anyone may leave; the group’s creator may remove anyone; others may remove the people they added.',
  introTampered: (name: string) =>
    `${name} could not be linked to you safely: the member who passed on the introduction changed it on the way. You were not connected to ${name}.`,
  deliveredTo: (acknowledged: number, members: number) => `Delivered to ${acknowledged} of ${members}`,
  // Trust per member (docs/groups.md, "Safety numbers and key changes"): found by key, never by name.
  verified: 'verified',
  safetyNumber: 'Safety number',
  safetyNumberWith: (name: string) => `Safety number with ${name}`,
  keyChanged: (name: string, when: string) =>
    `${name} moved to a new device${when ? ` ${when}` : ''}: this is the new key. Compare safety numbers with ${name} again.`,
  replacedKey: (member: string, contact: string, when: string) =>
    `${member} uses the key ${contact} left for a new device${when ? ` ${when}` : ''}: it is not the key you talk to ${contact} with now.`,
  nameHadOtherKey: (name: string) =>
    `Someone named ${name} was in this group before with another key: it may be a new device or another person. Compare safety numbers with ${name}.`,
};

export const chatText = {
  back: 'Back to conversations',
  /** The phone's back button while other conversations have unread messages. */
  backUnread: (count: number) => `Back to conversations, ${count} unread`,
  connection: 'Connection',
  connectionPath: 'Connection path',
  reconnect: 'Reconnect',
  disconnect: 'Disconnect',
  details: 'Contact details',
  verifiedMark: 'Verified',
  messages: 'Messages',
  message: 'Message',
  send: 'Send',
  /** Short, so a 360 px phone shows it whole (the chat screen says above the box when messages wait). */
  placeholder: 'Write a message',
  /** Above the message box while the contact is not connected. */
  sentOnReconnect: 'Messages you write now are sent when you reconnect.',
  /** Instead, while the conversation is "via relay" (docs/relays.md): what is sent goes now, files and calls wait. */
  sentViaRelay: 'Messages go through your relays until a direct connection forms. Files and calls need one.',
  empty: 'No messages yet.',
  loadingOlder: 'Loading older messages…',
  loadingNewer: 'Loading newer messages…',
  jumpToNewest: 'Jump to newest',
  you: 'You',
  unreadable: 'This message could not be read',
  stateWaiting: 'waiting',
  stateSent: 'Sent',
  stateDelivered: 'Delivered',
  stateRefused: 'not delivered: their device is full (sent again later)',
  stateHeld: (name: string) => `Held by ${name}'s mailbox`,
  lookalike: (name: string) =>
    `Another person calls themselves ${name}. If ${name} has a new device, compare safety numbers first`,
  lookalikeExplain: (name: string) =>
    `This is a different key from the ${name} you know. Ask ${name} in person or on a call before you trust it.`,
  sameDevice: (name: string) => `This is ${name} on a new device`,
  someoneElse: 'This is someone else',
  compareFirst: 'Safety number',
};

/** File transfers: the "Attach file" control, the drop zone, and each transfer's card (src/ui/transfer-card.ts). Buttons
 * show one word or two ("Accept"); their accessible names add the file's name, so each is unique on the screen. */
export const fileText = {
  attach: 'Attach file',
  dropHere: (peer: string) => `Drop files here to send them to ${peer}`,
  accept: 'Accept',
  decline: 'Decline',
  cancel: 'Cancel transfer',
  save: 'Save',
  remove: 'Remove',
  chooseAgain: 'Choose the file again',
  acceptNamed: (file: string) => `Accept ${file}`,
  declineNamed: (file: string) => `Decline ${file}`,
  cancelNamed: (file: string) => `Cancel transfer of ${file}`,
  saveNamed: (file: string) => `Save ${file}`,
  removeNamed: (file: string) => `Remove ${file}`,
  chooseAgainNamed: (file: string) => `Choose the file again (${file})`,
  unknownType: 'unknown type',
  facts: (size: string, type: string) => `${size}, ${type}`,
  /** Under the progress bar: "12 MB of 50 MB · 21 MB/s · 2 s left". */
  progress: (done: string, total: string) => `${done} of ${total}`,
  speed: (perSecond: string) => `${perSecond}/s`,
  timeLeft: (left: string) => `${left} left`,
  preparing: 'Getting the file ready…',
  offeredOut: (peer: string) => `Waiting for ${peer} to accept it.`,
  offeredIn: (peer: string) => `${peer} wants to send you this file.`,
  /** A picture taken without asking whose first bytes are not a picture: offered again. */
  notAPicture: (peer: string) => `${peer} sent this as a picture, but it is not one. Accept it only if you expected this file.`,
  /** A picture taken without asking that does not decode. */
  doesNotOpen: 'This was taken as a picture, but it does not open as one. Save it only if you expected this file.',
  sending: (peer: string) => `Sending to ${peer}`,
  receiving: (peer: string) => `Receiving from ${peer}`,
  checking: 'All here. Checking that it is the file that was offered…',
  sentWaiting: (peer: string) => `Sent. Waiting for ${peer} to confirm it arrived whole.`,
  received: 'Received and checked: it is the file that was offered.',
  sent: (peer: string) => `Sent. ${peer} has it.`,
  connectionLost: (peer: string) => `The connection was lost. It continues from where it stopped when you and ${peer} connect again.`,
  sourceMissing: 'This page was reloaded and no longer has the file. Choose the same file again to continue.',
  declinedOut: (peer: string) => `${peer} declined the file.`,
  declinedIn: 'You declined this file.',
  tooLargeOut: (peer: string) => `${peer}'s device does not take files this large.`,
  tooLargeIn: 'This file is larger than this device accepts, so it was declined.',
  cancelled: 'The transfer was cancelled.',
  diskFullIn: 'There was not enough storage space on this device for this file. Free some space, then ask for it again.',
  diskFullOut: (peer: string) => `${peer}'s device ran out of storage space for this file.`,
  changedOut: 'The file changed on this device after you offered it, so it cannot be sent as it was. Send it again.',
  changedIn: (peer: string) => `The file changed on ${peer}'s device after it was offered, so the transfer stopped. Ask ${peer} to send it again.`,
  mismatchIn: 'What arrived does not match the file that was offered, so it was thrown away. Ask for it again.',
  mismatchOut: (peer: string) => `The file did not arrive intact on ${peer}'s device and was thrown away there. Send it again.`,
  storageIn: 'This browser could not store the file (private mode?). Nothing was kept.',
  unreadableOut: 'This browser could not read the file any more. Send it again.',
  /** A file sent to a group (chat/files/group-file.ts): each member takes it from whoever has it. */
  sentToGroup: 'Sent to the group. Each member gets it from whoever has it.',
  offeredInGroup: (sender: string) => `${sender} sent this file to the group.`,
  receivingInGroup: 'Receiving from the group',
  waitingInGroup: 'Continues when a member who has this file is connected.',
};

const sizeUnits = ['kB', 'MB', 'GB', 'TB'] as const;

/** "812 bytes", "3.4 kB", "5 MB", "50 MB" (decimal units, as file managers show them). */
export function fileSizeText(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '';
  if (bytes < 1000) return bytes === 1 ? '1 byte' : `${Math.round(bytes)} bytes`;
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < sizeUnits.length - 1) {
    value /= 1000;
    unit++;
  }
  const shown = value < 9.95 ? Math.round(value * 10) / 10 : Math.round(value);
  return `${shown} ${sizeUnits[unit]}`;
}

/** "45 s", "3 min", "2 h 5 min". */
export function durationText(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '';
  const s = Math.ceil(seconds);
  if (s < 60) return `${s} s`;
  const min = Math.round(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  return min % 60 ? `${h} h ${min % 60} min` : `${h} h`;
}

export const contactText = {
  heading: (name: string) => `About ${name}`,
  verified: 'Verified',
  notVerified: 'Not verified',
  path: (path: string) => `Connected ${path}`,
  keyChanged: (name: string, when: string) =>
    `${name} moved to a new device ${when}. Compare safety numbers again before you mark ${name} as verified.`,
  restoredOlder: (name: string) =>
    `${name}'s contact record was restored from an older copy: a verified mark or a key change may be out of date. Compare safety numbers again.`,
  dropped: (count: number) => `${count} frames from this contact were refused or dropped (too many, too large, or malformed).`,
  safetyNumber: 'Safety number',
  safetyExplain: (name: string) =>
    `Compare these numbers with ${name}'s screen, in person or on a call. If they match, nobody is in the middle.`,
  safetyQr: 'Safety number QR code',
  safetyScan: (name: string) => `Or scan ${name}'s safety number QR code:`,
  markVerified: 'Mark as verified',
  clearVerified: 'Clear verification',
  exportText: 'Export transcript (text)',
  exportMarkdown: 'Export transcript (Markdown)',
  exportWarning: 'A transcript is saved unencrypted: anyone with the file can read it.',
  delete: 'Delete conversation',
  deleteConfirm: (name: string) => `Delete the conversation with ${name} and forget this contact on this device?`,
};

/** Settings' mailbox section (ui/mailbox-panel.ts, docs/mailbox.md). */
export const mailboxText = {
  heading: 'Mailbox',
  intro: 'Your own always-on Tincan mailbox holds messages your contacts send while this page is closed. Start one with `node bin/tincan.mjs mailbox --listen ADDRESS:PORT` and paste the code it prints.',
  codeLabel: 'Mailbox code',
  add: 'Add mailbox',
  remove: 'Remove mailbox',
  statusName: 'Mailbox',
  connected: 'Connected',
  offline: 'Offline',
  /** The contact's checkbox (src/ui/contact-panel.ts, docs/mailbox.md §5). */
  shareWith: (name: string) => `Let ${name} use my mailbox`,
  shareWithHint:
    'On: if you add a mailbox, this contact’s Tincan is given its address (an IP address and a port) and leaves messages there while you are away. Off: they are not given it, their Tincan is asked to forget it, and your mailbox turns them away. An address they already saw cannot be taken back.',
} as const;

export const settingsText = {
  heading: 'Settings',
  filesHeading: 'Files',
  keptFiles: (count: number, size: string) =>
    count === 0 ? 'No received files are kept on this device.' : `${count === 1 ? '1 received file' : `${count} received files`} (${size}) kept on this device, sealed like your history. Remove them from their conversation.`,
  storageUse: (used: string, allowed: string) => `Tincan uses ${used} of the ${allowed} this browser allows it. A file that does not fit is not accepted.`,
  autoAcceptLegend: 'Accept pictures without asking',
  autoAcceptOff: 'Never: always ask',
  autoAcceptUpTo: (size: string) => `Pictures up to ${size}`,
  autoAcceptHint: (budget: string) =>
    `Only PNG, JPEG, GIF and WebP pictures from your contacts, while a conversation keeps less than ${budget} of received files on this device; past that, and for every other file, Tincan asks first.`,
  notificationsHeading: 'Notifications',
  notificationsOn: 'Notifications are on for messages that arrive while Tincan is in the background.',
  notificationsBlocked: 'Notifications are blocked for this site. Allow them in your browser’s site settings.',
  notificationsUnsupported: 'This browser cannot show notifications for Tincan.',
  notificationsOff: 'Notifications are off.',
  showContent: 'Show message text in notifications',
  showContentHint: 'Off: a notification says only who wrote. On: it shows the message, also on a locked screen.',
};

/** Notifications and the app badge (src/platform/unread-alerts.ts). */
/** Calls (ui/call-view.ts, the conversation's buttons and its history). */
export const callText = {
  voiceCall: 'Voice call',
  videoCall: 'Video call',
  incoming: 'Incoming call',
  incomingFrom: (name: string, video: boolean) => `${name} is calling you${video ? ' (video)' : ''}`,
  accept: 'Accept call',
  decline: 'Decline call',
  mute: 'Mute',
  cameraOff: 'Turn camera off',
  switchCamera: 'Switch camera',
  /** The system's media controls while a call goes on (platform/call-media-session.ts). */
  sessionTitle: (name: string) => `Call with ${name}`,
  sessionApp: 'Tincan',
  end: 'End call',
  status: 'Call',
  view: 'Call',
  ringingOut: (name: string) => `Calling ${name}…`,
  connecting: 'Connecting…',
  /** The call's path or the chat link under it was lost: it is set up anew (chat/calls.ts callHandoverMs). */
  reconnecting: 'Reconnecting…',
  inCall: 'In call',
  theirVideo: (name: string) => `${name}'s video`,
  ownVideo: 'Your camera',
  ringTitle: (name: string) => `${name} is calling`,
  ringSound: 'Ring when a call comes in',
  record: (video: boolean, outcome: CallOutcome, durationMs: number | undefined, direction: 'in' | 'out'): string => {
    const kind = video ? 'Video call' : 'Voice call';
    switch (outcome) {
      case 'answered':
        return durationMs === undefined ? kind : `${kind}, ${durationText(Math.round(durationMs / 1000))}`;
      case 'declined':
        return direction === 'in' ? `${kind} declined` : `${kind}: declined`;
      case 'missed':
        return `Missed ${kind.toLowerCase()}`;
      case 'unanswered':
        return `${kind}: no answer`;
      case 'busy':
        return `${kind}: busy`;
      case 'failed':
        return `${kind} failed`;
    }
  },
};

export const alertText = {
  title: (name: string) => name,
  body: (count: number) => (count === 1 ? 'New message' : `${count} new messages`),
};

/**
 * The transcript's fixed words (store/transcript.ts writes no English itself): the shell passes
 * `transcriptLabels(contact name)` to `exportTranscript`.
 */
export function transcriptLabels(contactName: string): TranscriptLabels {
  return {
    title: `Tincan conversation with ${contactName}`,
    exportedAt: (time) => `Exported ${time}`,
    nameOf: () => contactName,
    unknownName: 'Unknown',
    unknownTime: 'unknown time',
    unreadable: (count) =>
      count === 1 ? '1 message could not be read and is missing.' : `${count} messages could not be read and are missing.`,
  };
}

export const scannerText = {
  scan: 'Scan QR code',
  stop: 'Stop scanning',
  fromImage: 'Scan from image',
  pictureLabel: 'Picture of a QR code',
  preview: 'Camera preview',
  status: {
    idle: '',
    starting: 'Starting the camera…',
    scanning: 'Point the camera at the QR code your contact shows you.',
    notTincan: 'That QR code is not a Tincan code. Point the camera at the Tincan QR code.',
    reading: 'Looking for a QR code in the picture…',
    read: 'Code read.',
    broken: 'The QR reader could not start. Reload the page, or paste the code instead.',
  },
} as const;

/** Read out for new incoming messages (the log itself is not a live region). */
export const announceText = {
  message: (name: string, text: string) => `${name}: ${text}`,
  unreadable: (name: string) => `${name}: a message that could not be read`,
  more: (name: string, count: number) => `${count} more messages from ${name}`,
  /** A file the contact offers or sends, read out once when its card shows in the log. */
  file: (name: string, file: string) => `${name} sends a file: ${file}`,
  moreFiles: (name: string, count: number) => `${count} more files from ${name}`,
  /** Messages missed while away, sorted in among those shown (each at the time it was written): one read-out. */
  caughtUp: (name: string, count: number) =>
    count === 1 ? `1 missed message arrived in ${name}, placed at the time it was written` : `${count} missed messages arrived in ${name}, each placed at the time it was written`,
};

/** Network settings (src/ui/settings-panel.ts). The radio labels and box names are the e2e tests' too. */
export const networkText = {
  heading: 'Network settings',
  intro:
    'Tincan connects you straight to your contact. To find each other across different networks, you both need a server that you choose here; your messages stay end-to-end encrypted either way.',
  legend: 'Servers to use',
  presets: {
    none: {
      label: 'Same network only',
      tradeOff: 'No server learns anything about you, but you can only connect to people on your own network (same Wi-Fi).',
    },
    stun: {
      label: 'Anywhere (a STUN server)',
      tradeOff: 'Connects across most networks; the STUN server learns your IP address, but never sees your messages.',
    },
    'stun-turn': {
      label: 'Anywhere, even through strict networks (STUN + TURN)',
      tradeOff:
        'Connects even through strict networks; the TURN server relays your encrypted messages and learns both of your IP addresses. Optional: only some networks need it.',
    },
  },
  stunServer: 'STUN server',
  stunHint: (example: string) => `For example ${example} (a free public server). Your contact should choose STUN too.`,
  stunOptional: ' Optional when you have a TURN server.',
  turnServer: 'TURN server',
  turnHint: 'From your TURN provider. Several addresses may be separated by commas.',
  turnUsername: 'TURN username',
  turnPassword: 'TURN password',
  save: 'Save settings',
  saved: 'Saved. New invites and answers use these servers.',
};

/** The profile's own actions (src/ui/account-panel.ts). */
export const accountText = {
  backupHeading: 'Backup',
  backupHint: 'An encrypted file of your profile, contacts and history. Restore it on another device with your passphrase.',
  exportBackup: 'Export backup',
  passphraseHeading: 'Change passphrase',
  current: 'Current passphrase',
  next: 'New passphrase',
  repeat: 'Repeat new passphrase',
  change: 'Change passphrase',
  deviceHeading: 'This device',
  lock: 'Lock',
  forget: 'Forget this device',
  forgetConfirmLabel: 'Confirm forgetting this device',
  forgetConfirm: (name?: string) =>
    `Erase ${name ? `${name}'s` : 'the'} profile, contacts and all history from this device? This cannot be undone. Export a backup first if you want to keep them.`,
  eraseEverything: 'Erase everything',
  cancel: 'Cancel',
};

// -------------------------------------------------------------------------------------------------------------
// Issue 18 (what a newcomer trips on): an old invite from a contact, the answer's way back, names cut short.

/** A pasted ordinary invite from a contact's device (src/ui/pairing-screen.ts, under the invitation card). */
export const knownInviterText = {
  body: (name: string) =>
    `${name} is already one of your contacts. If ${name} made this invite just now, answer it. If it is one you answered before, it cannot connect again: reconnect instead.`,
  reconnect: (name: string) => `Reconnect with ${name}`,
};

/** The raw invite code folded behind a button (src/ui/code-card.ts). */
export const codeFoldText = {
  showCode: 'Show code',
  hideCode: 'Hide code',
};

/** The answer's way back, inside the waiting invite card (src/ui/pairing-screen.ts). */
export const answerBoxText = {
  pasteAnswer: 'Paste answer',
  hintReconnect: (name: string) => `If ${name} sends you an answer code instead, paste it here.`,
  clipboardRefused: 'This browser did not let Tincan read the clipboard. Paste the answer into the box.',
};

/** A file whose name was too long to save (chat/files/file-frames.ts sanitizeFileName, src/ui/transfer-card.ts). */
export const fileNameText = {
  shortened: 'Its name was too long to save, so it was shortened (… marks the cut).',
};

/** The TURN box's own example (src/ui/settings-panel.ts): the shared sentence gives a stun: one. */
export const turnFieldText = {
  missing: 'Type the TURN server address, for example turn:turn.example.org:3478.',
};

// -------------------------------------------------------------------------------------------------------------
// Issue 20: the command line of a Node peer (src/node/cli.ts).

/** Why the CLI declined a contact's file (cliText.fileRefused; node/download-folder.ts DownloadRefusal). */
const fileRefusalReasons = {
  'too-large': 'larger than --max-file-size',
  'no-space': 'it would leave less than 1 GiB free on the disk of the downloads folder',
  'downloads-full': 'the downloads folder and the files on their way would pass --max-downloads-size',
  refused: 'files are refused (--no-files)',
} as const;

export const cliText = {
  usage: `Usage: tincan [--home DIR] [--json] [--passphrase-file FILE] [--page URL] [FILE OPTIONS] COMMAND

Commands:
  init --name NAME [--anywhere]   make a profile in DIR (--anywhere: a public STUN server, for other networks)
  invite                          make an invite (code, link, QR code), then chat with whoever answers
  accept CODE                     answer someone's invite; send the answer code back, then chat
  chat NAME                       chat with a contact (prints a code that reconnects them)
  send NAME TEXT                  store a message for a contact; it leaves on the next connection
  history NAME [--count N]        the newest messages with a contact
  contacts                        list contacts and their ids
  safety-number NAME              the safety number to compare with NAME's
  export FILE                     write an encrypted backup (the browser's format)
  import FILE                     restore an encrypted backup into an empty DIR
  mailbox --listen ADDR:PORT [--public ADDR:PORT]   run this folder's mailbox (docs/mailbox.md)

The passphrase is asked for, or read from --passphrase-file or TINCAN_PASSPHRASE; never from an argument.
NAME is a contact's name when only one contact has it, else its id (tincan contacts).
While chatting: type a message and press Enter; /code CODE uses a code; /to NAME picks who you write to; /quit.
--json: one JSON object per line out, and in: {"answer":CODE} {"send":TEXT,"to":NAME}.

Files contacts send while you chat are accepted up to 100 MiB each and saved, under a safe name that never
replaces a file, in DIR/downloads (not encrypted there: they are yours to open). A file that would leave less than
1 GiB free on that disk is declined. FILE OPTIONS:
  --downloads FOLDER          save them in FOLDER instead
  --max-file-size BYTES       accept files up to BYTES (larger ones are declined)
  --max-downloads-size BYTES  decline a file when the folder and the files on their way would pass BYTES
  --no-files                  decline every file`,
  passphrasePrompt: 'Passphrase: ',
  passphraseRepeat: 'Repeat passphrase: ',
  created: (name: string, home: string) => `Profile ${name} made in ${home}.`,
  imported: (name: string, home: string) => `Backup of ${name} restored in ${home}.`,
  exported: (file: string) => `Encrypted backup written to ${file}. It opens with your passphrase.`,
  invite: 'Send this invite to your contact (the link opens Tincan; or they paste the code):',
  reconnect: (name: string) => `To connect, send ${name} this link, or paste a code from ${name} with /code CODE:`,
  answer: 'Send this answer code back to the person who invited you:',
  waiting: 'Waiting for the connection…',
  connected: (name: string) => `Connected to ${name}. Type a message and press Enter.`,
  disconnected: (name: string) => `${name} is no longer connected.`,
  message: (name: string, text: string) => `${name}: ${text}`,
  own: (text: string) => `you: ${text}`,
  delivered: 'delivered',
  stored: (name: string) => `Stored. It is sent when you next connect to ${name}.`,
  noContacts: 'No contacts yet. Make an invite with `tincan invite`.',
  contact: (name: string, id: string, online: boolean, waiting: number) =>
    `${name}  ${id}${online ? '  connected' : ''}${waiting ? `  ${waiting} waiting` : ''}`,
  safetyNumber: (name: string) => `Safety number with ${name} (compare it with theirs, in person or on a call):`,
  fileReceived: (name: string, file: string, size: number, where: string) => `${name} sent a file: ${file} (${size} bytes), saved as ${where}`,
  fileRefused: (name: string, file: string, size: number, reason: 'too-large' | 'no-space' | 'downloads-full' | 'refused') =>
    `${name} offered a file: ${file} (${size} bytes). Declined: ${fileRefusalReasons[reason]}.`,
  mailboxListening: (address: string) => `Tincan mailbox listening on ${address} (UDP).`,
  mailboxCode: 'Mailbox code (add it in your Tincan: Settings, Mailbox):',
  mailboxReach:
    'Reachable by pages that can reach this address and UDP port: a public address or a forwarded port for contacts anywhere; otherwise only pages on the same network.',
  mailboxStatus: (owner: string | undefined, contacts: number, held: number, usedBytes: number, quotaBytes: number) =>
    `${owner ? `Serves: owner ${owner}…, ${contacts} contact(s).` : 'No owner yet: add this code in your Tincan (Settings).'} Holds ${held} item(s), ${((100 * usedBytes) / quotaBytes).toFixed(1)} % of ${Math.round(quotaBytes / 2 ** 20)} MiB.`,
} as const;
// Issue 21 (Nostr relays, docs/relays.md): Settings → Relays, and "Use relays with …" in a contact's details.

/** Settings → Relays (src/ui/relay-settings.ts) and the contact's checkbox (src/ui/contact-panel.ts). */
export const relayText = {
  heading: 'Relays',
  intro:
    'Optional. With relays, a message to a contact who is not online waits on a relay (up to 14 days) instead of on your device, and arrives when they open Tincan. Nothing goes to a relay unless you add one here, and only for contacts who use relays too.',
  learns:
    'What a relay learns: the IP addresses of both of you, when and how much you send, and a separate made-up key for each contact. Never what you write, your name, or who you are.',
  addresses: 'Relay addresses',
  addressesHint: 'One address a line, for example wss://relay.example.org. Leave empty to use no relays.',
  save: 'Save relays',
  list: 'Relays',
  none: 'No relays: messages wait on your device until your contact is online.',
  status: { connecting: 'connecting', connected: 'connected', refused: 'refused', unreachable: 'unreachable' } as const,
  useWith: (name: string) => `Use relays with ${name}`,
  useWithHint: (available: boolean) =>
    available
      ? 'Messages to this contact also wait on their relays while they are not online.'
      : 'Both of you need relays in Settings, and to have been connected since.',
  /** One code for a first contact (src/ui/exchange-card.ts, src/ui/invitation-card.ts). */
  inviteAwaits: 'This invite also names your relays: your friend’s Tincan sends its answer back through them, and this page connects by itself.',
  answerSending: 'Also sending this answer through your friend’s relay…',
  answerSent: 'Also sent through your friend’s relay: their page connects by itself while it is open. If it does not, send this answer back.',
  answerUnreachable: 'Your friend’s relay could not be reached, so send this answer back yourself.',
  invitationVia: (relays: readonly string[]) =>
    `Your answer also goes back through ${relays.join(' and ')}, the relay your friend chose: it learns your IP address.`,
};
