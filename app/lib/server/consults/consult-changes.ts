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

const bus = new EventEmitter();
bus.setMaxListeners(0);

export function publishConsultChange(change: ConsultChange): void {
	bus.emit('change', change);
}

export function onConsultChange(listener: (change: ConsultChange) => void): () => void {
	bus.on('change', listener);
	return () => bus.off('change', listener);
}
