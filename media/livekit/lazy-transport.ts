/**
 * Loads livekit-client (and its E2EE worker) only when a LiveKit call connects, so pages and
 * peer-to-peer calls never download it. Calls made before connect() are remembered.
 */
import type { CallStats, CallTransport, CallTransportEvents } from '../call-transport';
import { Emitter } from '../emitter';
import type { LivekitTransportOptions } from './client';

const events = ['remote-track', 'remote-track-removed', 'participant-left', 'quality', 'state'] as const satisfies readonly (keyof CallTransportEvents)[];

export class LazyLivekitTransport implements CallTransport {
	readonly kind = 'livekit' as const;
	readonly #events = new Emitter<CallTransportEvents>();
	readonly #options: LivekitTransportOptions;
	#inner: CallTransport | null = null;
	#microphone = true;
	#camera = true;
	#closed = false;

	constructor(options: LivekitTransportOptions) {
		this.#options = options;
	}

	on<K extends keyof CallTransportEvents>(event: K, handler: (payload: CallTransportEvents[K]) => void): () => void {
		return this.#events.on(event, handler);
	}

	async connect(local: MediaStream): Promise<void> {
		if (this.#closed) throw new Error('This call has been closed.');
		if (this.#inner) return;
		this.#events.emit('state', 'connecting');
		const { LivekitTransport } = await import('./client');
		if (this.#closed) return;
		const inner = new LivekitTransport(this.#options);
		this.#inner = inner;
		for (const event of events) inner.on(event, (payload) => this.#events.emit(event, payload as never));
		await inner.connect(local);
		inner.setMicrophoneEnabled(this.#microphone);
		inner.setCameraEnabled(this.#camera);
	}

	setMicrophoneEnabled(enabled: boolean): void {
		this.#microphone = enabled;
		this.#inner?.setMicrophoneEnabled(enabled);
	}

	setCameraEnabled(enabled: boolean): void {
		this.#camera = enabled;
		this.#inner?.setCameraEnabled(enabled);
	}

	startScreenShare(source?: MediaStream): Promise<MediaStream> {
		if (!this.#inner) return Promise.reject(new Error('Connect to the call before sharing the screen.'));
		return this.#inner.startScreenShare(source);
	}

	stopScreenShare(): void {
		this.#inner?.stopScreenShare();
	}

	stats(): Promise<CallStats> {
		return this.#inner ? this.#inner.stats() : Promise.resolve({ participants: [] });
	}

	close(): void {
		if (this.#closed) return;
		this.#closed = true;
		this.#inner?.close();
		this.#events.emit('state', 'disconnected');
		this.#events.clear();
	}
}
