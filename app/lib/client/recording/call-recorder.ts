/**
 * Records a peer-to-peer call in the host's browser: every stream of the call (the host's own
 * and each remote tile) is drawn into one canvas grid, their sounds are mixed with WebAudio,
 * and MediaRecorder turns the result into WebM pieces that ChunkUploader sends in order.
 * The list of streams is read again every second, so people who join or leave show up in the
 * recording. The server seals each piece; nothing is kept in the browser after upload.
 */
import { ChunkUploader } from './chunk-uploader';

export interface CallRecorderOptions {
	/** Where pieces go: /api/consults/<id>/recordings/<id>/chunks */
	uploadPath: string;
	/** The call's streams now (own first); read every second. */
	streams: () => MediaStream[];
	/** A piece every this many ms (smaller: less lost if the tab dies; larger: fewer requests). */
	timesliceMs?: number;
	onProblem?: (message: string) => void;
}

const width = 1280;
const height = 720;
const framesPerSecond = 15;

export function recordingSupported(): boolean {
	return typeof MediaRecorder !== 'undefined' && typeof HTMLCanvasElement !== 'undefined' && 'captureStream' in HTMLCanvasElement.prototype;
}

function pickMimeType(): string | undefined {
	for (const type of ['video/webm;codecs=vp8,opus', 'video/webm;codecs=vp9,opus', 'video/webm']) {
		if (MediaRecorder.isTypeSupported(type)) return type;
	}
	return undefined;
}

export class CallRecorder {
	readonly uploader: ChunkUploader;
	readonly #options: CallRecorderOptions;
	readonly #canvas = document.createElement('canvas');
	readonly #videos = new Map<string, HTMLVideoElement>();
	readonly #audioSources = new Map<string, MediaStreamAudioSourceNode>();
	#audio: AudioContext | null = null;
	#destination: MediaStreamAudioDestinationNode | null = null;
	#recorder: MediaRecorder | null = null;
	#drawTimer: ReturnType<typeof setInterval> | null = null;
	#refreshTimer: ReturnType<typeof setInterval> | null = null;
	#stopped: Promise<void> | null = null;

	constructor(options: CallRecorderOptions) {
		this.#options = options;
		this.uploader = new ChunkUploader({
			path: options.uploadPath,
			onProblem: (message) => {
				// The server stopped taking pieces (the recording ended, consent withdrawn): stop making them.
				void this.stop();
				options.onProblem?.(message);
			}
		});
	}

	start(): void {
		this.#canvas.width = width;
		this.#canvas.height = height;
		this.#audio = new AudioContext();
		// Started from the host's click; a context made outside a gesture starts suspended.
		void this.#audio.resume().catch(() => {});
		this.#destination = this.#audio.createMediaStreamDestination();
		this.#refresh();
		this.#refreshTimer = setInterval(() => this.#refresh(), 1000);
		// A timer, not requestAnimationFrame: frames keep coming while the tab is in the background.
		this.#drawTimer = setInterval(() => this.#draw(), 1000 / framesPerSecond);
		const video = this.#canvas.captureStream(framesPerSecond).getVideoTracks();
		const mixed = new MediaStream([...video, ...this.#destination.stream.getAudioTracks()]);
		const mimeType = pickMimeType();
		this.#recorder = new MediaRecorder(mixed, { mimeType, videoBitsPerSecond: 1_000_000, audioBitsPerSecond: 64_000 });
		this.#recorder.addEventListener('dataavailable', (event) => {
			if (event.data.size > 0) this.uploader.add(event.data);
		});
		this.#recorder.start(this.#options.timesliceMs ?? 2000);
	}

	/** Stops recording and resolves once the last piece was uploaded (or the upload stopped). */
	stop(): Promise<void> {
		this.#stopped ??= (async () => {
			const recorder = this.#recorder;
			if (recorder && recorder.state !== 'inactive') {
				// The final dataavailable comes before the stop event.
				await new Promise<void>((resolve) => {
					recorder.addEventListener('stop', () => resolve(), { once: true });
					recorder.stop();
				});
			}
			if (this.#drawTimer) clearInterval(this.#drawTimer);
			if (this.#refreshTimer) clearInterval(this.#refreshTimer);
			for (const track of recorder?.stream.getTracks() ?? []) track.stop();
			for (const video of this.#videos.values()) video.srcObject = null;
			this.#videos.clear();
			for (const source of this.#audioSources.values()) source.disconnect();
			this.#audioSources.clear();
			await this.#audio?.close().catch(() => {});
			await this.uploader.flush();
		})();
		return this.#stopped;
	}

	#refresh(): void {
		const streams = this.#options.streams();
		const ids = new Set(streams.map((s) => s.id));
		for (const [id, video] of this.#videos) {
			if (!ids.has(id)) {
				video.srcObject = null;
				this.#videos.delete(id);
			}
		}
		for (const [id, source] of this.#audioSources) {
			if (!ids.has(id)) {
				source.disconnect();
				this.#audioSources.delete(id);
			}
		}
		for (const stream of streams) {
			if (stream.getVideoTracks().length > 0 && !this.#videos.has(stream.id)) {
				const video = document.createElement('video');
				video.muted = true;
				video.playsInline = true;
				video.srcObject = stream;
				void video.play().catch(() => {});
				this.#videos.set(stream.id, video);
			}
			if (stream.getAudioTracks().length > 0 && !this.#audioSources.has(stream.id) && this.#audio && this.#destination) {
				const source = this.#audio.createMediaStreamSource(stream);
				source.connect(this.#destination);
				this.#audioSources.set(stream.id, source);
			}
		}
	}

	#draw(): void {
		const context = this.#canvas.getContext('2d');
		if (!context) return;
		context.fillStyle = '#000';
		context.fillRect(0, 0, width, height);
		const videos = [...this.#videos.values()];
		if (videos.length === 0) return;
		const columns = Math.ceil(Math.sqrt(videos.length));
		const rows = Math.ceil(videos.length / columns);
		const cellWidth = width / columns;
		const cellHeight = height / rows;
		videos.forEach((video, index) => {
			if (video.videoWidth === 0) return;
			const scale = Math.min(cellWidth / video.videoWidth, cellHeight / video.videoHeight);
			const w = video.videoWidth * scale;
			const h = video.videoHeight * scale;
			const x = (index % columns) * cellWidth + (cellWidth - w) / 2;
			const y = Math.floor(index / columns) * cellHeight + (cellHeight - h) / 2;
			context.drawImage(video, x, y, w, h);
		});
	}
}
