// The screens test's clock: Date.now() returns one instant for the whole page, so every time a screen shows (a
// message's "13:05", "last seen at 14:04", "19 min left", "on 2 May") is the same in every run and its screenshot can
// be compared with an approved image. Imported before the fixtures, which take their `now` from it. Only Date.now is
// fixed: the components read the time through it (message-format.ts), and timers still run.
export const fixedNowMs = Date.UTC(2031, 4, 3, 14, 5, 0);

Date.now = () => fixedNowMs;
