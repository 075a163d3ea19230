import { EventEmitter } from 'node:events';

/** Something that tells us when the condition may have changed (a Y.Doc, a provider, a socket). */
export interface Signal {
	on(event: string, listener: (...args: never[]) => void): unknown;
	off(event: string, listener: (...args: never[]) => void): unknown;
}

/**
 * Resolves once `check()` is true, re-checking whenever one of the signals fires (no polling
 * loop): e.g. every Y.Doc 'update' and every provider 'unsyncedChanges'. Rejects after
 * `timeoutMs` with `describe()` in the message, so a failure says what was still missing.
 */
export function waitUntil(
	check: () => boolean,
	options: { signals: [Signal, string][]; timeoutMs: number; describe: () => string }
): Promise<void> {
	if (check()) return Promise.resolve();
	return new Promise((resolve, reject) => {
		const listener = () => {
			if (!check()) return;
			finish();
			resolve();
		};
		const timer = setTimeout(() => {
			finish();
			reject(new Error(`Timed out after ${options.timeoutMs} ms: ${options.describe()}`));
		}, options.timeoutMs);
		const finish = () => {
			clearTimeout(timer);
			for (const [signal, event] of options.signals) signal.off(event, listener);
		};
		for (const [signal, event] of options.signals) signal.on(event, listener);
	});
}

/** Resolves with the first emission of `event`, or rejects after `timeoutMs`. */
export function once<T = unknown>(emitter: EventEmitter | Signal, event: string, timeoutMs: number, what = event): Promise<T> {
	return new Promise((resolve, reject) => {
		const listener = (value: T) => {
			clearTimeout(timer);
			emitter.off(event, listener as never);
			resolve(value);
		};
		const timer = setTimeout(() => {
			emitter.off(event, listener as never);
			reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`));
		}, timeoutMs);
		emitter.on(event, listener as never);
	});
}
