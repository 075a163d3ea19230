/**
 * What the media layer needs of the app's configuration (app/lib/server/platform/config.ts),
 * restated structurally so media/ imports nothing of the app at run time.
 */
export interface LivekitConfig {
	/** wss://… (the browser's URL); the server API is the same host over https. */
	url: string;
	apiKey: string;
	apiSecret: string;
}

export interface IceServer {
	urls: string | string[];
	username?: string;
	credential?: string;
}

export interface MediaConfig {
	/** Set only when LIVEKIT_URL, LIVEKIT_API_KEY and LIVEKIT_API_SECRET are all configured. */
	livekit?: LivekitConfig;
	iceServers: IceServer[];
}

/** Seconds a server-side API call may take before it is given up (a stuck SFU must not hang a request). */
export const LIVEKIT_REQUEST_TIMEOUT_SECONDS = 5;
