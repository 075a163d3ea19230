import { HocuspocusProviderWebsocket } from '@hocuspocus/provider';

/**
 * The one websocket of this browser tab to the collaboration server. Every open document
 * (chart, note, plan, annotations) is multiplexed over it, so a page with a chart and a note
 * open holds one connection, not two. Created on first use; the session cookie authenticates
 * the upgrade, so nothing secret lives here.
 */
let shared: HocuspocusProviderWebsocket | null = null;
let stopWatchingNetwork: (() => void) | null = null;

/** `ws://host/collab` or `wss://host/collab`, on the page's own origin (the cookie goes along). */
export function collabUrl(location: Pick<Location, 'protocol' | 'host'>): string {
	return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/collab`;
}

export function collabConnection(): HocuspocusProviderWebsocket {
	if (shared) return shared;
	const socket = new HocuspocusProviderWebsocket({
		url: collabUrl(window.location),
		// Start closed when the browser already knows it is offline; `online` opens it.
		autoConnect: navigator.onLine,
		// Reconnect quickly after a blip (a clinic's Wi-Fi), but back off to 10 s, not 30 s.
		delay: 500,
		minDelay: 500,
		maxDelay: 10_000
	});
	stopWatchingNetwork = watchNetwork(socket);
	shared = socket;
	return socket;
}

/**
 * Browsers keep a websocket open for a long while after the network is gone (and Chromium's
 * offline emulation never closes one), so edits would queue silently behind a dead socket
 * while the page still said "Saving…". The `offline` event is the earliest honest signal:
 * close the socket then, and reconnect on `online`. The documents keep every edit in memory and
 * in IndexedDB meanwhile, and the reconnect's sync handshake sends what the server lacks.
 */
function watchNetwork(socket: HocuspocusProviderWebsocket): () => void {
	const offline = () => socket.disconnect();
	const online = () => void socket.connect();
	window.addEventListener('offline', offline);
	window.addEventListener('online', online);
	return () => {
		window.removeEventListener('offline', offline);
		window.removeEventListener('online', online);
	};
}

/** Closes the tab's connection (sign-out); the next document opened makes a new one. */
export function closeCollabConnection(): void {
	stopWatchingNetwork?.();
	stopWatchingNetwork = null;
	shared?.destroy();
	shared = null;
}
