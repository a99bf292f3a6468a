// The components shown only once a vault is open, loaded together in one chunk after the first screen (the
// profile or passphrase screen) is up, so the first download holds only what that screen needs. The shell
// imports this module dynamically; it exports nothing. (The settings, the contact panel, the QR code and the
// scanner load later still, when first shown.)
import './call-view';
import './group-call-view';
import './chat-screen';
import './home-screen';
import './pairing-screen';
