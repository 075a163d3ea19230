import type { DeviceCheckVerdict } from '$lib/realtime/consult-events';

/**
 * The device check before a video visit (doxy.me's check-in, Jitsi's prejoin screen): camera and
 * microphone preview, a live microphone level, a test tone for the speakers, and a connection
 * test to the clinic's server with a plain verdict. The stream it opens is the one the call uses
 * (no second permission prompt).
 */

export type DeviceState = 'idle' | 'asking' | 'ready' | 'denied' | 'missing' | 'failed';
export type ConnectionTest = { state: 'idle' | 'testing' } | { state: 'done'; verdict: DeviceCheckVerdict; roundTripMs: number | null; sentence: string };

/** How the connection test reaches the server (the tab's socket: presence:ping). */
export type Ping = () => Promise<void>;

const pings = 5;
const meterEveryMs = 100;

/** The verdict from the round trips to the server and whether camera and microphone work. */
export function connectionVerdict(input: { roundTripMs: number | null; camera: boolean; microphone: boolean; webrtc: boolean }): { verdict: DeviceCheckVerdict; sentence: string } {
	const { roundTripMs, camera, microphone, webrtc } = input;
	if (!webrtc) return { verdict: 'poor', sentence: 'This browser cannot make video calls. Try a current Chrome, Edge, Firefox or Safari.' };
	if (roundTripMs === null) return { verdict: 'poor', sentence: 'The clinic’s server could not be reached. Check your internet connection.' };
	if (!microphone) return { verdict: 'poor', sentence: 'Your connection works, but no microphone is available: the clinician will not hear you.' };
	if (roundTripMs > 600) return { verdict: 'poor', sentence: `Your connection is slow (${Math.round(roundTripMs)} ms to the clinic). Video may freeze; move closer to your Wi-Fi or close other apps.` };
	if (!camera) return { verdict: 'fair', sentence: 'Your connection is good, but no camera is available: the clinician will hear you but not see you.' };
	if (roundTripMs > 250) return { verdict: 'fair', sentence: `Your connection is usable (${Math.round(roundTripMs)} ms to the clinic). Video may be less sharp.` };
	return { verdict: 'good', sentence: `Your connection is good (${Math.round(roundTripMs)} ms to the clinic). You are ready for the video visit.` };
}

export class DeviceCheck {
	state = $state<DeviceState>('idle');
	stream = $state.raw<MediaStream | null>(null);
	/** Microphone level 0–1, updated while the check is open. */
	level = $state(0);
	/** The loudest level heard so far: proof the microphone picks something up. */
	peak = $state(0);
	tonePlaying = $state(false);
	connection = $state.raw<ConnectionTest>({ state: 'idle' });
	problem = $state('');

	#audio: AudioContext | null = null;
	#timer: ReturnType<typeof setInterval> | undefined;
	#handedOver = false;

	get hasCamera(): boolean {
		return (this.stream?.getVideoTracks().length ?? 0) > 0;
	}

	get hasMicrophone(): boolean {
		return (this.stream?.getAudioTracks().length ?? 0) > 0;
	}

	get verdict(): DeviceCheckVerdict | null {
		return this.connection.state === 'done' ? this.connection.verdict : null;
	}

	async start(): Promise<void> {
		if (!navigator.mediaDevices?.getUserMedia) {
			this.state = 'failed';
			this.problem = 'This browser cannot use a camera or microphone here. Try a current Chrome, Edge, Firefox or Safari.';
			return;
		}
		this.state = 'asking';
		this.problem = '';
		try {
			this.stream = await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 640 }, height: { ideal: 360 } }, audio: { echoCancellation: true, noiseSuppression: true } });
		} catch (cause) {
			// Without a camera, the visit can still go ahead by voice.
			try {
				this.stream = await navigator.mediaDevices.getUserMedia({ audio: true });
			} catch {
				this.#explain(cause);
				return;
			}
		}
		this.state = 'ready';
		this.#meter();
	}

	/** A short tone through the speakers or headphones. */
	async playTone(): Promise<void> {
		if (this.tonePlaying) return;
		const context = this.#context();
		if (!context) return;
		this.tonePlaying = true;
		const oscillator = context.createOscillator();
		const gain = context.createGain();
		oscillator.frequency.value = 440;
		gain.gain.setValueAtTime(0.0001, context.currentTime);
		gain.gain.exponentialRampToValueAtTime(0.2, context.currentTime + 0.05);
		gain.gain.exponentialRampToValueAtTime(0.0001, context.currentTime + 1.2);
		oscillator.connect(gain).connect(context.destination);
		oscillator.onended = () => (this.tonePlaying = false);
		oscillator.start();
		oscillator.stop(context.currentTime + 1.25);
	}

	/** Round trips to the clinic's server over the socket the visit will use; the verdict is in `connection`. */
	async testConnection(ping: Ping): Promise<void> {
		this.connection = { state: 'testing' };
		const times: number[] = [];
		for (let i = 0; i < pings; i += 1) {
			const started = performance.now();
			try {
				await withTimeout(ping(), 5_000);
				times.push(performance.now() - started);
			} catch {
				break;
			}
		}
		times.sort((a, b) => a - b);
		const roundTripMs = times.length === pings ? times[Math.floor(times.length / 2)]! : null;
		const webrtc = typeof RTCPeerConnection === 'function';
		const { verdict, sentence } = connectionVerdict({ roundTripMs, camera: this.hasCamera, microphone: this.hasMicrophone, webrtc });
		this.connection = { state: 'done', verdict, roundTripMs, sentence };
	}

	/** The call takes the stream over: stop metering, keep the tracks running. */
	handOver(): MediaStream | null {
		this.#handedOver = true;
		this.#stopMeter();
		return this.stream;
	}

	stop(): void {
		this.#stopMeter();
		if (!this.#handedOver) for (const track of this.stream?.getTracks() ?? []) track.stop();
	}

	#context(): AudioContext | null {
		if (this.#audio) return this.#audio;
		const Context = window.AudioContext ?? (window as unknown as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
		if (!Context) return null;
		this.#audio = new Context();
		return this.#audio;
	}

	#meter(): void {
		const track = this.stream?.getAudioTracks()[0];
		const context = this.#context();
		if (!track || !context) return;
		const source = context.createMediaStreamSource(new MediaStream([track]));
		const analyser = context.createAnalyser();
		analyser.fftSize = 512;
		source.connect(analyser);
		const samples = new Float32Array(analyser.fftSize);
		// Ten readings a second are enough for the eye, and keep the page (and screen readers) calm.
		this.#timer = setInterval(() => {
			analyser.getFloatTimeDomainData(samples);
			let sum = 0;
			for (const s of samples) sum += s * s;
			// RMS to a 0–1 scale that moves visibly for speech (about 0.05 RMS), in steps of 5 %.
			const level = Math.round(Math.min(1, Math.sqrt(sum / samples.length) * 8) * 20) / 20;
			if (level !== this.level) this.level = level;
			if (level > this.peak) this.peak = level;
		}, meterEveryMs);
	}

	#stopMeter(): void {
		clearInterval(this.#timer);
		void this.#audio?.close().catch(() => undefined);
		this.#audio = null;
	}

	#explain(cause: unknown): void {
		const name = cause instanceof DOMException ? cause.name : '';
		if (name === 'NotAllowedError' || name === 'SecurityError') {
			this.state = 'denied';
			this.problem = 'The browser was not allowed to use your camera and microphone. Allow them in the address bar (the camera icon), then try again.';
		} else if (name === 'NotFoundError' || name === 'OverconstrainedError') {
			this.state = 'missing';
			this.problem = 'No camera or microphone was found. Plug one in, or use a phone or tablet, then try again.';
		} else if (name === 'NotReadableError') {
			this.state = 'failed';
			this.problem = 'Your camera or microphone is in use by another app. Close that app, then try again.';
		} else {
			this.state = 'failed';
			this.problem = 'Your camera and microphone could not be started. Try again, or use another browser.';
		}
	}
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error('timeout')), ms);
		promise.then(
			(value) => {
				clearTimeout(timer);
				resolve(value);
			},
			(error: unknown) => {
				clearTimeout(timer);
				reject(error instanceof Error ? error : new Error(String(error)));
			}
		);
	});
}
