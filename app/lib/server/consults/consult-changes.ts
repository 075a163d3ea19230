/**
 * In-process bus of consult changes: any module that changes a consult (waiting room, admission,
 * shared view, recording consent or state, end) publishes its id after its transaction commits;
 * server/consult-handlers.ts subscribes and sends each participant their fresh `consult:state`.
 * Content-free: the handler rebuilds state through the access-checked domain calls.
 */
import { EventEmitter } from 'node:events';

export interface ConsultChange {
	consultId: string;
	/** What changed, for logs and tests; the state is rebuilt whole either way. */
	kind: 'waiting' | 'admission' | 'roster' | 'view' | 'recording' | 'ended';
}

// On globalThis for the reason runtime.ts gives: the SvelteKit bundle (pages, the LiveKit webhook
// route, the recording upload route) and the server entry (socket handlers) each load their own
// copy of this module, and a change published by a route must reach the handlers.
const busKey = Symbol.for('clinicsync.consult-changes');
type BusHolder = { [busKey]?: EventEmitter };
const bus = ((globalThis as BusHolder)[busKey] ??= new EventEmitter().setMaxListeners(0));

export function publishConsultChange(change: ConsultChange): void {
	bus.emit('change', change);
}

export function onConsultChange(listener: (change: ConsultChange) => void): () => void {
	bus.on('change', listener);
	return () => bus.off('change', listener);
}
