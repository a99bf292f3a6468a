// The one message the page sends the service worker: "the person pressed Reload: take over now".
export const skipWaitingMessage = 'skip-waiting';
